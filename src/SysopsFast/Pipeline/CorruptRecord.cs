namespace SysopsFast.Pipeline;

/// <summary>A record that could not be read: reported with its key and skipped.</summary>
public sealed record CorruptRecord(string Server, string Key, string Reason)
{
    /// <summary>The line the summary prints for it.</summary>
    public override string ToString() => $"skipped the corrupt record '{Key}' on {Server}: {Reason}";
}
