using System.Globalization;
using System.Text;
using SysopsFast.Grep;

namespace SysopsFast.Fleet;

/// <summary>
/// The synthetic fleet of the README: deterministic from (hosts, seed). Each host has ten objects; its
/// <c>cmd/sysctl-a</c> is ~1,300 lines / ~49 KB, mostly shared text with host-specific lines, and a
/// seeded distribution of <c>net.core.netdev_budget</c> whose exact <c>--uniq</c> answer
/// <see cref="ExpectedUniq"/> computes from the per-host choices, not by grepping the contents.
/// </summary>
public sealed class SyntheticFleet
{
    /// <summary>The ten objects every synthetic host has.</summary>
    public static readonly string[] ObjectNames =
    [
        "cmd/sysctl-a", "cmd/uname-a", "cmd/rpm-qa", "cmd/netstat-anp", "cmd/df-h",
        "/etc/passwd", "/etc/resolv.conf", "/etc/sysctl.conf", "/etc/hosts", "/etc/fstab",
    ];

    /// <summary>The object of the headline query (<c>grep sysctl-a net.core.netdev_budget --uniq</c>).</summary>
    public const string HeadlineObject = "sysctl-a";
    /// <summary>The text of the headline query.</summary>
    public const string HeadlinePattern = "net.core.netdev_budget";

    private static readonly string[] Sites = ["eat1", "lva1", "ltx1"];
    private static readonly string[] Kernels = ["5.14.0-427.13.1.el9_4.x86_64", "4.18.0-553.el8_10.x86_64", "5.14.0-362.8.1.el9_3.x86_64"];

    private readonly ulong _seed;
    private readonly SysctlTemplate _sysctl;
    private readonly string[] _packages;

    /// <summary>The fleet of <paramref name="hosts"/> hosts that <paramref name="seed"/> makes: the same pair always makes the same contents.</summary>
    public SyntheticFleet(int hosts, ulong seed)
    {
        if (hosts < 1)
        {
            throw Errors.BadArgument("the number of hosts must be at least 1", ErrorRemedy.HostCount);
        }
        Hosts = hosts;
        _seed = seed;
        _sysctl = new SysctlTemplate(seed);
        _packages = MakePackages(seed);
    }

    /// <summary>Hosts in the fleet.</summary>
    public int Hosts { get; }

    /// <summary>The seed every choice is drawn from.</summary>
    public ulong Seed => _seed;

    /// <summary>The name of host <paramref name="index"/> (<c>eat1-app00000.example.com</c>), spread over three sites.</summary>
    public static string HostName(int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{Sites[index % Sites.Length]}-app{index:D5}.example.com");

    /// <summary>The per-host choices that the expected answers are computed from.</summary>
    internal readonly record struct HostTraits(int Kernel, int NetdevBudget, int NetdevBudgetUsecs, bool ResolvOverride);

    internal HostTraits Traits(int host)
    {
        var rng = SplitMix64.For(_seed, 1, (ulong)host);
        var kernelRoll = rng.NextDouble();
        var kernel = kernelRoll < 0.70 ? 0 : kernelRoll < 0.92 ? 1 : 2;
        var budgetRoll = rng.NextDouble();
        var budget = budgetRoll < 0.988 ? 300 : budgetRoll < 0.998 ? 600 : 450;
        var usecs = kernel == 1 ? 2000 : 8000;
        return new HostTraits(kernel, budget, usecs, rng.NextDouble() < 0.05);
    }

    /// <summary>
    /// The exact answer of <c>grep sysctl-a net.core.netdev_budget --uniq</c> over this fleet: both
    /// <c>net.core.netdev_budget</c> and <c>net.core.netdev_budget_usecs</c> lines, as a real
    /// <c>sysctl -a</c> prints both.
    /// </summary>
    public IReadOnlyList<UniqCount> ExpectedUniq(FleetShard? shard = null)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var h in HostIndices(shard))
        {
            var t = Traits(h);
            Bump(counts, string.Create(CultureInfo.InvariantCulture, $"net.core.netdev_budget = {t.NetdevBudget}"));
            Bump(counts, string.Create(CultureInfo.InvariantCulture, $"net.core.netdev_budget_usecs = {t.NetdevBudgetUsecs}"));
        }
        return counts
            .OrderByDescending(kv => kv.Value)
            .ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new UniqCount(kv.Key, kv.Value))
            .ToList();

        static void Bump(Dictionary<string, long> d, string k) => d[k] = d.GetValueOrDefault(k) + 1;
    }

    /// <summary>The hosts of a shard (all hosts without one).</summary>
    public IEnumerable<int> HostIndices(FleetShard? shard = null) =>
        Enumerable.Range(0, Hosts).Where(h => shard is not { } s || h % s.Count == s.Index);

    /// <summary>Writes the contents of object <paramref name="objectIndex"/> of host <paramref name="host"/>.</summary>
    internal void Write(int host, int objectIndex, TextBuffer b)
    {
        b.Clear();
        var t = Traits(host);
        var name = HostName(host);
        var rng = SplitMix64.For(_seed, 2 + (ulong)objectIndex, (ulong)host);
        switch (objectIndex)
        {
            case 0:
                _sysctl.Write(b, name, Kernels[t.Kernel], t.NetdevBudget, t.NetdevBudgetUsecs, ref rng);
                break;
            case 1:
                b.Add("Linux ").Add(name).Add(" ").Add(Kernels[t.Kernel]).Add(" #1 SMP PREEMPT_DYNAMIC Mon Apr 8 11:34:54 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux").Line();
                break;
            case 2:
                WritePackages(b, t, ref rng);
                break;
            case 3:
                WriteNetstat(b, ref rng);
                break;
            case 4:
                WriteDf(b, ref rng);
                break;
            case 5:
                WritePasswd(b, ref rng);
                break;
            case 6:
                var site = Sites[host % Sites.Length];
                b.Add("# Generated by NetworkManager\nsearch ").Add(site).Add(".example.com example.com\n");
                b.Add("nameserver 10.").Add(host % Sites.Length).Add(".0.53\nnameserver 10.").Add(host % Sites.Length).Add(".1.53\n");
                if (t.ResolvOverride)
                {
                    b.Add("options timeout:1 attempts:2 rotate\n");
                }
                break;
            case 7:
                b.Add("# Managed by configuration management; local changes are overwritten.\n");
                b.Add("net.core.somaxconn = 4096\nnet.ipv4.tcp_max_syn_backlog = 8192\nvm.swappiness = 10\nfs.file-max = 6553600\n");
                // Five variants across the fleet, as compare-all finds them: the managed file (the
                // majority), the two budget overrides, a swappiness tweak, and a hand edit.
                if (t.NetdevBudget != 300)
                {
                    b.Add("net.core.netdev_budget = ").Add(t.NetdevBudget).Line();
                }
                else if (t.ResolvOverride)
                {
                    b.Add("vm.swappiness = 1\n");
                }
                else if (host % 1000 == 7)
                {
                    b.Add("# kernel.panic = 10   (edited by hand during an incident)\n");
                }
                break;
            case 8:
                b.Add("127.0.0.1   localhost localhost.localdomain\n::1         localhost localhost.localdomain\n");
                b.Add("10.").Add(host % Sites.Length).Add(".").Add(host / 250 % 250).Add(".").Add(host % 250 + 1).Add("   ").Add(name).Add(" ").Add(name[..name.IndexOf('.', StringComparison.Ordinal)]).Line();
                break;
            case 9:
                b.Add("/dev/mapper/rootvg-root /                       xfs     defaults        0 0\n");
                b.Add("UUID=").Uuid(ref rng).Add(" /boot                   xfs     defaults        0 0\n");
                b.Add("/dev/mapper/rootvg-var  /var                    xfs     defaults        0 0\n");
                b.Add("/dev/mapper/rootvg-swap none                    swap    defaults        0 0\n");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(objectIndex));
        }
    }

    private static string[] MakePackages(ulong seed)
    {
        var rng = SplitMix64.For(seed, 100, 0);
        string[] stems = ["lib", "python3-", "perl-", "glibc", "kernel", "systemd", "openssl", "nss", "xz", "zlib", "bash", "coreutils", "util-linux", "NetworkManager", "rpm", "dnf", "yum", "grub2", "firewalld", "audit", "sssd", "krb5", "curl", "git", "vim", "tmux", "rsync", "chrony", "tuned", "lvm2"];
        string[] tails = ["", "-libs", "-devel", "-common", "-tools", "-utils", "-core", "-data", "-client", "-server"];
        var names = new SortedSet<string>(StringComparer.Ordinal);
        while (names.Count < 520)
        {
            var stem = stems[rng.Below(stems.Length)];
            var mid = stem.EndsWith('-') || stem == "lib" ? ((char)('a' + rng.Below(26))).ToString() + ((char)('a' + rng.Below(26))) + ((char)('a' + rng.Below(26))) : "";
            names.Add(stem + mid + tails[rng.Below(tails.Length)]);
        }
        return names.Select(n => string.Create(CultureInfo.InvariantCulture, $"{n}-{1 + rng.Below(9)}.{rng.Below(30)}.{rng.Below(12)}-{1 + rng.Below(40)}.el9")).ToArray();
    }

    private void WritePackages(TextBuffer b, HostTraits t, ref SplitMix64 rng)
    {
        foreach (var p in _packages)
        {
            b.Add(p);
            // A few hosts lag one release behind on a few packages: realistic drift for compare-all.
            b.Add(rng.NextDouble() < 0.002 ? "_old" : "").Add(".x86_64\n");
        }
        b.Add("kernel-").Add(Kernels[t.Kernel]).Line();
    }

    private static void WriteNetstat(TextBuffer b, ref SplitMix64 rng)
    {
        b.Add("Active Internet connections (servers and established)\n");
        b.Add("Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name\n");
        b.Add("tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      1043/sshd\n");
        b.Add("tcp        0      0 0.0.0.0:8080            0.0.0.0:*               LISTEN      2211/java\n");
        var n = 20 + rng.Below(60);
        for (var i = 0; i < n; i++)
        {
            b.Add("tcp        0      0 10.").Add(rng.Below(3)).Add(".").Add(rng.Below(250)).Add(".").Add(1 + rng.Below(250)).Add(":8080         10.")
                .Add(rng.Below(3)).Add(".").Add(rng.Below(250)).Add(".").Add(1 + rng.Below(250)).Add(":").Add(32768 + rng.Below(28000))
                .Add("     ESTABLISHED 2211/java\n");
        }
    }

    private static void WriteDf(TextBuffer b, ref SplitMix64 rng)
    {
        b.Add("Filesystem               Size  Used Avail Use% Mounted on\n");
        b.Add("devtmpfs                  63G     0   63G   0% /dev\n");
        var used = 5 + rng.Below(90);
        b.Add("/dev/mapper/rootvg-root   50G   ").Add(used / 2).Add("G   ").Add(50 - (used / 2)).Add("G  ").Add(used).Add("% /\n");
        b.Add("/dev/vda1                1014M  312M  703M  31% /boot\n");
        used = 5 + rng.Below(90);
        b.Add("/dev/mapper/rootvg-var   200G  ").Add(used * 2).Add("G  ").Add(200 - (used * 2)).Add("G  ").Add(used).Add("% /var\n");
    }

    private static void WritePasswd(TextBuffer b, ref SplitMix64 rng)
    {
        b.Add(PasswdBase);
        var extra = rng.Below(4);
        for (var i = 0; i < extra; i++)
        {
            var uid = 1000 + rng.Below(50);
            b.Add("user").Add(uid).Add(":x:").Add(uid).Add(":").Add(uid).Add("::/home/user").Add(uid).Add(":/bin/bash\n");
        }
    }

    private static readonly byte[] PasswdBase = Encoding.ASCII.GetBytes(string.Concat(
        "root:x:0:0:root:/root:/bin/bash\n",
        "bin:x:1:1:bin:/bin:/sbin/nologin\n",
        "daemon:x:2:2:daemon:/sbin:/sbin/nologin\n",
        "adm:x:3:4:adm:/var/adm:/sbin/nologin\n",
        "lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin\n",
        "sync:x:5:0:sync:/sbin:/bin/sync\n",
        "shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown\n",
        "halt:x:7:0:halt:/sbin:/sbin/halt\n",
        "mail:x:8:12:mail:/var/spool/mail:/sbin/nologin\n",
        "operator:x:11:0:operator:/root:/sbin/nologin\n",
        "games:x:12:100:games:/usr/games:/sbin/nologin\n",
        "ftp:x:14:50:FTP User:/var/ftp:/sbin/nologin\n",
        "nobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin\n",
        "systemd-coredump:x:999:997:systemd Core Dumper:/:/sbin/nologin\n",
        "dbus:x:81:81:System message bus:/:/sbin/nologin\n",
        "polkitd:x:998:996:User for polkitd:/:/sbin/nologin\n",
        "sshd:x:74:74:Privilege-separated SSH:/usr/share/empty.sshd:/sbin/nologin\n",
        "chrony:x:997:995::/var/lib/chrony:/sbin/nologin\n",
        "tss:x:59:59:Account used for TPM access:/dev/null:/sbin/nologin\n",
        "app:x:500:500:application:/export/apps:/bin/bash\n"));
}

/// <summary>
/// Host <c>i</c> belongs to shard <c>i % Count</c>: how a test or a demo spreads one synthetic fleet
/// over several cores while keeping one expected answer for the whole.
/// </summary>
public readonly record struct FleetShard(int Index, int Count)
{
    /// <summary>Reads <c>I/N</c> (<c>0/3</c>); throws <see cref="SysopsFastException"/> for anything else.</summary>
    public static FleetShard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || i >= n)
        {
            throw Errors.BadArgument($"'{text}' is not a shard; write I/N with 0 <= I < N, e.g. 0/3");
        }
        return new FleetShard(i, n);
    }

    /// <summary><c>I/N</c>, as <see cref="Parse"/> reads it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
