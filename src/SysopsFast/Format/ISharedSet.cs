namespace SysopsFast.Format;

/// <summary>
/// What a query loads from a server before its records, by id: compression dictionaries or line
/// delta bases (docs/FORMAT.md). Refused ones keep their reason for the records that need them.
/// </summary>
internal interface ISharedSet
{
    /// <summary>Whether <paramref name="id"/> is loaded.</summary>
    bool Has(uint id);

    /// <summary>Adds the value read as <paramref name="id"/> (<paramref name="storedLength"/>: its length on the server); false when refused.</summary>
    bool TryAdd(uint id, byte[] bytes, long storedLength = -1);

    /// <summary>Why <paramref name="id"/> was refused; null when it was not.</summary>
    string? RefusalOf(uint id);
}
