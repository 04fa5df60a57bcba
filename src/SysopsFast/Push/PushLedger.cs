using System.Globalization;
using System.Text.Json;

namespace SysopsFast.Push;

/// <summary>
/// What this host last pushed to each server (key → md5 and the id of the dictionary it was
/// compressed with, 0 for none), kept in a file between runs. An object whose md5 and dictionary
/// equal the ledger's only gets its expiry refreshed, which needs no permission to read records:
/// the pusher role has none (docs/SECURITY.md). A new current dictionary (after `dict train`)
/// differs from the ledger's, so the object is written again with it. A missing or unreadable ledger only costs
/// one full push; entries are written only after a server took the push.
/// </summary>
public sealed class PushLedger
{
    private readonly string? _path;
    private readonly bool _remembers;
    private readonly Dictionary<string, Dictionary<string, Pushed>> _servers = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>
    /// What a key was given: its contents' md5 and the dictionary they were compressed with (0: none),
    /// or a record without contents (over the size cap then): a new cap must change what is stored.
    /// </summary>
    private readonly record struct Pushed(UInt128 Md5, uint DictionaryId, bool Omitted);

    private PushLedger(string? path, bool remembers)
    {
        _path = path;
        _remembers = remembers;
    }

    /// <summary>
    /// A ledger that remembers nothing (each push reads the stored md5s where it may). It is shared,
    /// so it must not record: one process's pushes for many hosts would pile up in it.
    /// </summary>
    public static PushLedger None { get; } = new(null, remembers: false);

    /// <summary>A ledger kept in memory only: a long-lived pusher, or one simulated host of a load generator.</summary>
    public static PushLedger InMemory() => new(null, remembers: true);

    /// <summary>The ledger in <paramref name="path"/>; an absent or unreadable file is an empty ledger.</summary>
    public static PushLedger Load(string path)
    {
        var ledger = new PushLedger(path, remembers: true);
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var server in json.RootElement.EnumerateObject())
            {
                var keys = ledger.Keys(server.Name);
                foreach (var entry in server.Value.EnumerateObject())
                {
                    if (Parse(entry.Value.GetString()) is { } pushed)
                    {
                        keys[entry.Name] = pushed;
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            ledger._servers.Clear(); // unusable: start over
        }
        return ledger;
    }

    /// <summary>Whether <paramref name="server"/> was last given these contents under this key, compressed with this dictionary (0: none), whole or <paramref name="omitted"/>.</summary>
    public bool Holds(string server, string key, UInt128 md5, uint dictionaryId = 0, bool omitted = false) =>
        IdHeld(server, key, md5, omitted) == dictionaryId;

    /// <summary>The dictionary or base id (0: none) <paramref name="server"/> was last given these contents under this key with, whole or <paramref name="omitted"/>; null when it was not given them.</summary>
    internal uint? IdHeld(string server, string key, UInt128 md5, bool omitted)
    {
        lock (_lock)
        {
            return _servers.TryGetValue(server, out var keys) && keys.TryGetValue(key, out var known) && known.Md5 == md5 && known.Omitted == omitted ? known.DictionaryId : null;
        }
    }

    /// <summary>Notes what <paramref name="server"/> now holds from this host (after it took the push): these, and no other, objects.</summary>
    public void Record(string server, IEnumerable<(string Key, UInt128 Md5, uint DictionaryId)> pushed) =>
        Record(server, pushed.Select(p => (p.Key, p.Md5, p.DictionaryId, false)));

    /// <summary>As the other overload, each record's contents whole or omitted (over the size cap).</summary>
    public void Record(string server, IEnumerable<(string Key, UInt128 Md5, uint DictionaryId, bool Omitted)> pushed)
    {
        if (!_remembers)
        {
            return;
        }
        lock (_lock)
        {
            _servers[server] = pushed.ToDictionary(p => p.Key, p => new Pushed(p.Md5, p.DictionaryId, p.Omitted), StringComparer.Ordinal);
        }
    }

    /// <summary>Writes the ledger (a new file renamed over the old, readable by its owner only).</summary>
    /// <returns>Why it could not be written, or null.</returns>
    public string? Save()
    {
        if (_path is null)
        {
            return null;
        }
        var temporary = _path + ".new";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var file = new FileStream(temporary, options))
            using (var json = new Utf8JsonWriter(file))
            {
                Write(json);
            }
            File.Move(temporary, _path, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the push ledger '{_path}' could not be written ({e.Message}); the next push sends every object again";
        }
    }

    private void Write(Utf8JsonWriter json)
    {
        lock (_lock)
        {
            json.WriteStartObject();
            foreach (var (server, keys) in _servers)
            {
                json.WriteStartObject(server);
                foreach (var (key, pushed) in keys)
                {
                    json.WriteString(key, Format(pushed));
                }
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
    }

    private Dictionary<string, Pushed> Keys(string server)
    {
        if (!_servers.TryGetValue(server, out var keys))
        {
            _servers[server] = keys = new Dictionary<string, Pushed>(StringComparer.Ordinal);
        }
        return keys;
    }

    /// <summary>
    /// "md5" (32 hex digits), then ":id" (8 hex digits) when a dictionary was used, or ":-" for a
    /// record without its contents; a ledger written before dictionaries reads as none.
    /// </summary>
    private static string Format(Pushed pushed)
    {
        var md5 = pushed.Md5.ToString("x32", CultureInfo.InvariantCulture);
        return pushed.Omitted ? md5 + ":-" : pushed.DictionaryId == 0 ? md5 : md5 + ":" + Redis.DictionaryStore.Hex(pushed.DictionaryId);
    }

    private static Pushed? Parse(string? text)
    {
        var parts = (text ?? "").Split(':');
        if (parts.Length > 2 || !UInt128.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var md5))
        {
            return null;
        }
        if (parts.Length == 1)
        {
            return new Pushed(md5, 0, false);
        }
        if (parts[1] == "-")
        {
            return new Pushed(md5, 0, true);
        }
        return uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id) ? new Pushed(md5, id, false) : null;
    }
}
