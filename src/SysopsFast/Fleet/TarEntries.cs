using System.Formats.Tar;
using System.Globalization;
using SysopsFast.Format;
using SysopsFast.Push;

namespace SysopsFast.Fleet;

/// <summary>A regular file of a tar stream as read: its host, the object its path stands for, its contents within the cap, and the stat its header gives.</summary>
internal sealed record TarFile(string Host, string Object, ObjectContent Content, FileStat Stat);

/// <summary>
/// The entries of a tar stream (<c>tar -C DIR -c .</c>: <c>./&lt;host&gt;/&lt;tree path&gt;</c>) read
/// by the directory import's rules, one entry's data at a time, through the runtime's
/// <see cref="TarReader"/>: regular files become <see cref="TarFile"/>s; a symlink (whose target is
/// another entry, never followed), a FIFO or a device is kept as not read; a hard link (tar stores
/// the data once, under the first name), an entry whose path names no object, a host name that
/// cannot be one or an object that looks like a secret is skipped and named. Nothing can be refused
/// before it is written, as the directory import refuses, since the stream is read once. A stream
/// that breaks off or is not tar ends the enumeration and is told by <see cref="Broken"/>. Messages
/// hold names as the archive gives them (control characters included): a printer escapes them.
/// </summary>
internal sealed class TarEntries(Stream archive, ImportOptions options) : IEnumerable<TarFile>
{
    // Buffered: the reader asks for one 512-byte header at a time, a read(2) each on a pipe.
    private readonly CountedStream _stream = new(new BufferedStream(archive, 1 << 16));
    private readonly HashSet<string> _hosts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _badHosts = new(StringComparer.Ordinal);

    /// <summary>Entries skipped for a problem (the run exits 2), in the stream's order.</summary>
    public List<string> Skipped { get; } = [];

    /// <summary>Symlinks: never followed.</summary>
    public List<string> LinksNotFollowed { get; } = [];

    /// <summary>FIFOs and devices: no data to read.</summary>
    public List<string> NotRegular { get; } = [];

    /// <summary>Distinct hosts met so far (a directory entry of one counts, as an empty host directory does).</summary>
    public int Hosts => _hosts.Count;

    /// <summary>Why the stream could not be read to its end, or null.</summary>
    public string? Broken { get; private set; }

    public IEnumerator<TarFile> GetEnumerator()
    {
        using var reader = new TarReader(_stream, leaveOpen: true);
        while (Broken is null && Next(reader) is { } entry)
        {
            if (Read(entry) is { } file)
            {
                yield return file;
            }
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    private TarEntry? Next(TarReader reader)
    {
        try
        {
            return reader.GetNextEntry();
        }
        catch (EndOfStreamException)
        {
            // The reader wants tar's zero block at the end: a stream without it was cut short.
            Broken = At("it ends before tar's end-of-archive block (cut short?)");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
        {
            Broken = At($"it is not a readable tar archive ({e.Message})");
        }
        return null;
    }

    private string At(string why) => string.Create(CultureInfo.InvariantCulture, $"{why}, at byte {_stream.Position}");

    /// <summary>A regular file's contents and stat; null for every other entry (kept in a list when it says something).</summary>
    private TarFile? Read(TarEntry entry)
    {
        if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
        {
            return null; // pax defaults for the entries that follow, no file
        }
        var name = entry.Name;
        var directory = entry.EntryType is TarEntryType.Directory or TarEntryType.DirectoryList;
        if (TarPath.Split(name, directory, out var problem) is not { } path)
        {
            Skipped.Add($"{name}: {problem}");
            return null;
        }
        if (path.Host is not { } host || (path.TreePath is null && !directory))
        {
            return null; // the root, or a file beside the host directories, which the directory import does not read either
        }
        if (!IsHost(name, host) || path.TreePath is not { } treePath || directory)
        {
            return null; // a bad host (named once), a directory
        }
        if (ObjectPath.FromTreePath(treePath, out problem) is not { } objectName)
        {
            Skipped.Add($"{name}: its path names no object ({problem})");
            return null;
        }
        return IsRegular(entry, name) && MayImport(name, objectName) ? ReadData(entry, name, host, objectName) : null;
    }

    /// <summary>Whether <paramref name="host"/> can be a host name: each that cannot is named once, and none of its entries is read.</summary>
    private bool IsHost(string name, string host)
    {
        if (_hosts.Contains(host))
        {
            return true;
        }
        if (ObjectPath.HostDirectoryProblem(host) is not { } problem)
        {
            _hosts.Add(host);
            return true;
        }
        if (_badHosts.Add(host))
        {
            Skipped.Add($"{name}: '{host}' cannot be a host name ({problem}); none of its entries is imported");
        }
        return false;
    }

    /// <summary>Whether the entry holds a regular file's data; any other kind is kept where the directory import keeps it.</summary>
    private bool IsRegular(TarEntry entry, string name)
    {
        switch (entry.EntryType)
        {
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                return true;
            case TarEntryType.SymbolicLink:
                LinksNotFollowed.Add($"{name}: a symlink to {entry.LinkName}, not followed (a tar stream's links never are)");
                return false;
            case TarEntryType.HardLink:
                Skipped.Add($"{name}: a hard link to {entry.LinkName}, whose data tar stores only under that name (make the archive with tar --hard-dereference)");
                return false;
            case TarEntryType.Fifo:
                NotRegular.Add($"{name}: is a FIFO, not a regular file");
                return false;
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                NotRegular.Add($"{name}: is a device, not a regular file");
                return false;
            default:
                Skipped.Add($"{name}: a tar entry of type {entry.EntryType}, which import does not read");
                return false;
        }
    }

    private bool MayImport(string name, string objectName)
    {
        if (options.AllowSensitive || !SensitiveObjects.Default.Matches(objectName))
        {
            return true;
        }
        Skipped.Add($"{name}: looks like a secret (a password hash, a private key) that every reader of the fleet could read; not imported unless sensitive objects are allowed");
        return false;
    }

    /// <summary>The entry's data within the cap (never more held); a stream that ends inside it is broken.</summary>
    private TarFile? ReadData(TarEntry entry, string name, string host, string objectName)
    {
        try
        {
            var content = ContentReader.Read(entry.DataStream ?? Stream.Null, entry.Length, options.SizeCap);
            if (content.Length != entry.Length)
            {
                Broken = At(string.Create(CultureInfo.InvariantCulture, $"it ends inside {name} ({content.Length} of its {entry.Length} bytes)"));
                return null;
            }
            var stat = new FileStat(RegularFileMode | (uint)entry.Mode, (uint)entry.Uid, (uint)entry.Gid, entry.Length, entry.ModificationTime.ToUnixTimeSeconds());
            return new TarFile(host, objectName, content, stat);
        }
        catch (IOException e)
        {
            Broken = At($"it could not be read to its end ({e.Message})");
            return null;
        }
    }

    /// <summary>S_IFREG: stat's mode carries the file type, a tar header's mode only the permission bits.</summary>
    private const uint RegularFileMode = 0x8000;
}
