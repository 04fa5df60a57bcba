using SysopsFast.Query;
using System.CommandLine;
using SysopsFast.Output;

namespace SysopsFast.Cli;

/// <summary>The original's field flags (one at a time) and <c>-H</c>, shared by search and compare.</summary>
internal sealed class FieldOptions
{
    private readonly (Option<bool> Option, RecordField Field)[] _fields =
    [
        (new("--contents") { Description = "Print each object's contents" }, RecordField.Contents),
        (new("--md5sum") { Description = "Print each object's md5" }, RecordField.Md5sum),
        (new("--stat") { Description = "Print each object's mode (octal), uid, gid, size and mtime" }, RecordField.Stat),
        (new("--wordcount") { Description = "Print each object's characters, lines and words" }, RecordField.Wordcount),
        (new("--time") { Description = "Print when each object was stored (Unix seconds)" }, RecordField.Time),
        (new("--time-human") { Description = "Print when each object was stored, as a local date" }, RecordField.TimeHuman),
        (new("--time-updated") { Description = "Print how long ago each object was stored" }, RecordField.TimeUpdated),
    ];

    public Option<bool> Prefix { get; } = new("--prefix-hostnames", "-H") { Description = "Start every line with the object's key" };

    /// <param name="prefix">Whether -H applies (search prints fields per key; compare prints diffs).</param>
    public void AddTo(Command command, bool prefix = true)
    {
        foreach (var (option, _) in _fields)
        {
            command.Add(option);
        }
        if (prefix)
        {
            command.Add(Prefix);
        }
    }

    /// <summary>The one field asked for, or <paramref name="fallback"/>; two is a usage error.</summary>
    public RecordField Parse(ParseResult parse, RecordField fallback)
    {
        var given = _fields.Where(f => parse.GetValue(f.Option)).ToArray();
        return given.Length switch
        {
            0 => fallback,
            1 => given[0].Field,
            _ => throw CliErrors.BadArgument($"{string.Join(" and ", given.Select(f => f.Option.Name))} cannot be combined; give one of --contents, --md5sum, --stat, --wordcount, --time, --time-human, --time-updated"),
        };
    }
}
