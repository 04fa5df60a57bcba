using System.Runtime.InteropServices;

namespace SysopsFast.Format;

/// <summary>
/// Rebuilds the versions of one object, newest to oldest, from its current record and its history
/// list (docs/FORMAT.md, "History"). A relative entry is decoded against the contents of the next
/// newer version, so a damaged version makes every older version corrupt up to the next
/// self-contained entry, which reads on its own. Every version's md5 is checked.
/// </summary>
internal sealed class VersionChain(RecordDecoder decoder)
{
    /// <summary>The line delta bases the decoder holds (<see cref="LineDeltaComposer"/> composes against them).</summary>
    public LineBases? Bases => decoder.LineBases;

    /// <summary>The current record (index 0) and then each entry of <paramref name="entries"/>, newest first.</summary>
    public IEnumerable<StoredVersion> Read(ReadOnlyMemory<byte> currentRecord, IReadOnlyList<ReadOnlyMemory<byte>> entries)
    {
        var newer = Record(0, currentRecord);
        yield return newer;
        for (var i = 0; i < entries.Count; i++)
        {
            newer = Entry(i + 1, entries[i], newer);
            yield return newer;
        }
    }

    /// <summary>A self-contained version: an ordinary record, flag 0x0002 refused.</summary>
    private StoredVersion Record(int index, ReadOnlyMemory<byte> record)
    {
        if (!decoder.TryDecode(record.Span, out var header, out var contents, out var error))
        {
            return new StoredVersion(index, header, default, error);
        }
        if ((header.Flags & RecordFlags.Omitted) == 0 && RecordEncoder.Md5Of(contents) != header.Md5)
        {
            return new StoredVersion(index, header, default, "contents do not match the header's md5");
        }
        return new StoredVersion(index, header, contents.ToArray(), null);
    }

    private StoredVersion Entry(int index, ReadOnlyMemory<byte> entry, StoredVersion newer)
    {
        if (!RecordHeader.TryRead(entry.Span, out var header, out var error, versionEntry: true))
        {
            return new StoredVersion(index, default, default, error);
        }
        if ((header.Flags & RecordFlags.Relative) == 0)
        {
            return Record(index, entry);
        }
        if (!newer.HasContents)
        {
            var why = newer.Error is null ? "was omitted" : "is corrupt";
            return new StoredVersion(index, header, default, $"relative to version {newer.Index}, which {why}");
        }
        if (newer.Contents.Length > LineBase.MaxRawLength)
        {
            return new StoredVersion(index, header, default, $"relative to version {newer.Index}, which is over the {LineBase.MaxRawLength} bytes a relative entry may refer to");
        }
        // The newer version's contents are an array of their own (rebuilt, or the decoder's copy): no second copy.
        var lineBase = new LineBase(MemoryMarshal.TryGetArray(newer.Contents, out var whole) && whole.Offset == 0 && whole.Count == whole.Array!.Length
            ? whole.Array
            : newer.Contents.ToArray());
        return decoder.TryDecodeRelative(entry.Span, lineBase, out header, out var contents, out error)
            ? new StoredVersion(index, header, contents.ToArray(), null)
            : new StoredVersion(index, header, default, error);
    }
}
