using System.Globalization;
using System.Text;
using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Storm;

/// <summary>What the final check found: every expected key read back as a query finds it.</summary>
internal sealed record AuditResult(long Expected, long Matching, long Missing, long WrongContents, long Corrupt, long Unexpected, IReadOnlyList<string> FirstProblems)
{
    /// <summary>Keys that are not their host's latest contents: absent, different or unreadable.</summary>
    public long Mismatches => Missing + WrongContents + Corrupt;
}

/// <summary>
/// Nothing lost: every host's latest record is found as a query finds it (through the key
/// catalog) and decodes to the contents that host last pushed. One pass of the library's pipeline
/// over every key; each record's contents are hashed again and compared with the md5 of what was
/// pushed, and with the md5 its header claims.
/// </summary>
internal sealed class LatestRecordAudit : IRecordProcessorFactory
{
    private const int ProblemsKept = 10;

    private readonly IReadOnlyList<string> _keys;
    private readonly Dictionary<string, int> _index;
    private readonly UInt128[] _md5s;
    private readonly int[] _seen;
    private readonly List<string> _problems = [];
    private long _wrong;
    private long _corrupt;
    private long _unexpected;

    private LatestRecordAudit(IReadOnlyList<string> keys, UInt128[] md5s)
    {
        _keys = keys;
        _index = keys.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i, StringComparer.Ordinal);
        _md5s = md5s;
        _seen = new int[keys.Count];
    }

    /// <param name="keys">Every key that must be there.</param>
    /// <param name="md5s">The md5 of each key's latest contents.</param>
    public static async Task<AuditResult> RunAsync(FleetQuery query, IReadOnlyList<string> keys, UInt128[] md5s, CancellationToken cancellationToken)
    {
        var audit = new LatestRecordAudit(keys, md5s);
        await query.RunAsync(query.Select("*#*", RecordReadMode.Contents), audit, cancellationToken);
        return audit.Result();
    }

    private AuditResult Result()
    {
        var missing = Enumerable.Range(0, _seen.Length).Where(i => _seen[i] == 0).ToArray();
        var problems = _problems.Concat(missing.Take(ProblemsKept).Select(i => $"{_keys[i]}: not found")).Take(ProblemsKept).ToArray();
        return new AuditResult(_seen.Length, _seen.Length - missing.Length - _wrong - _corrupt, missing.Length, _wrong, _corrupt, _unexpected, problems);
    }

    public IRecordProcessor CreateForWorker() => new Worker(this);

    public void Complete(IReadOnlyList<IRecordProcessor> processors)
    {
    }

    private void Check(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
    {
        var name = Encoding.UTF8.GetString(key);
        if (!_index.TryGetValue(name, out var i))
        {
            Interlocked.Increment(ref _unexpected);
            return;
        }
        Interlocked.Exchange(ref _seen[i], 1);
        var md5 = RecordEncoder.Md5Of(content);
        if (md5 != _md5s[i] || header.Md5 != md5)
        {
            Interlocked.Increment(ref _wrong);
            Note(string.Create(CultureInfo.InvariantCulture, $"{name}: contents md5 {md5:x32}, header {header.Md5:x32}, last pushed {_md5s[i]:x32}"));
        }
    }

    private void Unreadable(ReadOnlySpan<byte> key, string reason)
    {
        var name = Encoding.UTF8.GetString(key);
        if (_index.TryGetValue(name, out var i))
        {
            Interlocked.Exchange(ref _seen[i], 1);
        }
        Interlocked.Increment(ref _corrupt);
        Note($"{name}: corrupt ({reason})");
    }

    private void Note(string problem)
    {
        lock (_problems)
        {
            if (_problems.Count < ProblemsKept)
            {
                _problems.Add(problem);
            }
        }
    }

    private sealed class Worker(LatestRecordAudit audit) : IRecordProcessor
    {
        public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
        {
            audit.Check(key, header, content);
            return true;
        }

        public void Corrupt(ReadOnlySpan<byte> key, string reason) => audit.Unreadable(key, reason);
    }
}
