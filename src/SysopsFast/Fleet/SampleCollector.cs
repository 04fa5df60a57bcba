using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Fleet;

/// <summary>
/// The second pass of `dict train`, per object: a copy of each sampled record's contents, decoded
/// whatever its codec (a record compressed with the current dictionary too). Empty and omitted
/// records are skipped (nothing to compress), and at most <see cref="DictionarySampler.PerObjectBytes"/>
/// are kept.
/// </summary>
internal sealed class SampleCollector : IRecordProcessorFactory, IRecordProcessor
{
    private readonly List<byte[]> _samples = [];
    private readonly Lock _lock = new();
    private long _bytes;

    public IReadOnlyList<byte[]> Samples => _samples;

    // Workers share this one instance: each record is one copy under the lock.
    public IRecordProcessor CreateForWorker() => this;

    public void Complete(IReadOnlyList<IRecordProcessor> processors)
    {
    }

    public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty || (header.Flags & RecordFlags.Omitted) != 0)
        {
            return true;
        }
        lock (_lock)
        {
            if (_bytes + content.Length <= DictionarySampler.PerObjectBytes)
            {
                _samples.Add(content.ToArray());
                _bytes += content.Length;
            }
        }
        return true;
    }
}
