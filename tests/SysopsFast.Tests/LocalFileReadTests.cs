using System.Diagnostics;
using SysopsFast.Fleet;
using SysopsFast.Push;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// The reading side of local files (issue 16 §1): <see cref="LinkResolver"/> gives the real path
/// as the kernel would and refuses magic links; <see cref="RegularFileReader"/> opens regular files
/// only; the default deny-list covers private keys.
/// </summary>
public sealed class LocalFileReadTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-local-read-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_work, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_path_resolves_through_directory_symlinks_relative_links_and_dotdot_as_the_kernel_does()
    {
        var shadow = Write("real/etc/shadow", "x\n");
        Directory.CreateSymbolicLink(Path.Combine(_work, "etc-link"), Path.Combine(_work, "real", "etc"));
        File.CreateSymbolicLink(Path.Combine(_work, "a"), "etc-link/../etc/shadow");
        // etc-link/.. is the parent of what etc-link leads to (real/), not _work: real/etc/shadow.
        Assert.Equal(shadow, LinkResolver.Resolve(Path.Combine(_work, "a")).RealPath);
        Assert.Equal(shadow, LinkResolver.Resolve(Path.Combine(_work, "etc-link", "shadow")).RealPath);
        Assert.True(LinkResolver.Resolve(Path.Combine(_work, "a")).Status.IsRegular);
    }

    [Fact]
    public void A_link_loop_and_a_dangling_link_have_no_real_path()
    {
        File.CreateSymbolicLink(Path.Combine(_work, "loop1"), "loop2");
        File.CreateSymbolicLink(Path.Combine(_work, "loop2"), "loop1");
        File.CreateSymbolicLink(Path.Combine(_work, "dangling"), "nothing-here");
        Assert.Contains("too many levels", LinkResolver.Resolve(Path.Combine(_work, "loop1")).Refusal, StringComparison.Ordinal);
        Assert.Equal("leads to nothing", LinkResolver.Resolve(Path.Combine(_work, "dangling")).Refusal);
    }

    [Theory]
    [InlineData("/proc/self/root")]
    [InlineData("/proc/thread-self/root")]
    [InlineData("/proc/self/cwd")]
    public void A_magic_link_of_proc_is_refused(string magic)
    {
        var shadow = Write("shadow", "x\n");
        var resolved = LinkResolver.Resolve(magic + shadow);
        Assert.Null(resolved.RealPath);
        Assert.Contains("magic link", resolved.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Procs_own_top_level_links_are_ordinary()
    {
        Assert.Equal($"/proc/{Environment.ProcessId}/status", LinkResolver.Resolve("/proc/self/status").RealPath);
        Assert.Null(LinkResolver.Resolve("/proc/self/fd/0").RealPath);
    }

    [Fact]
    public void A_fifo_is_never_opened_and_a_symlink_is_not_followed()
    {
        var fifo = Path.Combine(_work, "fifo");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
        }
        // Read with what lstat says, and with a stale "regular file" (swapped since): neither blocks.
        var status = Statx.OfEntry(fifo)!.Value;
        Assert.Equal("is a FIFO, not a regular file", RegularFileReader.Read(fifo, fifo, status, 1024).NotRead);
        var file = Write("file", "contents\n");
        var regular = Statx.OfEntry(file)!.Value;
        Assert.Equal("is a FIFO, not a regular file", RegularFileReader.Read(fifo, fifo, regular, 1024).NotRead);

        var link = Path.Combine(_work, "link");
        File.CreateSymbolicLink(link, file);
        Assert.Equal("is a symbolic link", RegularFileReader.Read(link, file, regular, 1024).NotRead);
        Assert.Contains("changed while it was opened", RegularFileReader.Read(file, Path.Combine(_work, "elsewhere"), regular, 1024).NotRead, StringComparison.Ordinal);
        var read = RegularFileReader.Read(file, file, regular, 1024);
        Assert.Equal("contents\n"u8.ToArray(), read.Content!.Bytes);
        Assert.Equal(9, read.Stat.Size);
    }

    [Theory]
    [InlineData("/etc/ssh/ssh_host_ed25519_key", true)]
    [InlineData("/etc/ssh/ssh_host_rsa_key", true)]
    [InlineData("/etc/ssh/ssh_host_rsa_key.pub", false)]
    [InlineData("/etc/ssl/private/ssl-cert-snakeoil.key", true)]
    [InlineData("/etc/ssl/private/server.pem", true)]
    [InlineData("/etc/pki/tls/private/server.pem", true)]
    [InlineData("/etc/ssl/certs/ca-certificates.crt", false)]
    [InlineData("/etc/ssl/certs/server.pem", false)]
    [InlineData("/etc/shadow", true)]
    [InlineData("/etc/passwd", false)]
    public void The_default_deny_list_covers_private_keys(string name, bool denied) =>
        Assert.Equal(denied, SensitiveObjects.Default.Matches(name));
}
