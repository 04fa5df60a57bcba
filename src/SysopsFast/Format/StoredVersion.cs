namespace SysopsFast.Format;

/// <summary>One version of an object as its history holds it (docs/FORMAT.md, "History").</summary>
/// <param name="Index">0 for the current record, 1 for the version before it, …</param>
/// <param name="Header">The version's header as it was when current (default when unreadable).</param>
/// <param name="Contents">Its whole contents; empty when omitted or corrupt.</param>
/// <param name="Error">Why the version cannot be read; null when it can.</param>
public readonly record struct StoredVersion(int Index, RecordHeader Header, ReadOnlyMemory<byte> Contents, string? Error)
{
    /// <summary>Whether the version's contents are here: neither omitted nor corrupt.</summary>
    public bool HasContents => Error is null && (Header.Flags & RecordFlags.Omitted) == 0;
}
