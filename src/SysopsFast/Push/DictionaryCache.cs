using System.Collections.Concurrent;
using SysopsFast.Format;

namespace SysopsFast.Push;

/// <summary>
/// The dictionaries a pusher has fetched, by id, kept in a directory between runs (one file per id,
/// named by its 8 hex digits), so each is fetched from a server once, not at every push. An entry is
/// believed only if its bytes hash to its id: a damaged file is fetched again.
/// </summary>
public sealed class DictionaryCache : IDisposable
{
    private readonly string? _directory;
    private readonly ConcurrentDictionary<uint, CompressionDictionary> _loaded = new();
    private readonly ConcurrentDictionary<uint, LineDeltaEncoder> _bases = new();
    private string? _warning;

    private DictionaryCache(string? directory) => _directory = directory;

    /// <summary>A cache kept in memory only (a long-lived pusher, or the simulated hosts of a load generator).</summary>
    public static DictionaryCache InMemory() => new(null);

    /// <summary>A cache kept in <paramref name="directory"/> (created when first written).</summary>
    public static DictionaryCache OnDisk(string directory) => new(directory);

    /// <summary>Why the cache could not be written (the first failure), or null; a push still works, fetching again next time.</summary>
    public string? Warning => _warning;

    /// <summary>The dictionary with this id from memory or disk; null when neither has a sound copy.</summary>
    internal CompressionDictionary? Find(uint id)
    {
        if (_loaded.TryGetValue(id, out var known))
        {
            return known;
        }
        return ReadFile(id, Redis.DictionaryStore.Hex(id)) is { } bytes ? Keep(id, bytes) : null;
    }

    /// <summary>The line delta base with this id from memory or disk (its raw contents, in <c>base-&lt;id&gt;</c>); null when neither has a sound copy.</summary>
    internal LineDeltaEncoder? FindBase(uint id)
    {
        if (_bases.TryGetValue(id, out var known))
        {
            return known;
        }
        return ReadFile(id, BaseFile(id)) is { Length: <= LineBase.MaxRawLength } contents ? _bases.GetOrAdd(id, static (_, c) => new LineDeltaEncoder(new LineBase(c)), contents) : null;
    }

    /// <summary>
    /// Adds to <paramref name="set"/> the dictionary or base <paramref name="header"/> names, when this
    /// cache holds it: what a pusher needs to decode a record it replaces (<see cref="HistoryWriter"/>).
    /// </summary>
    internal void Lend(CompressionDictionaries set, RecordHeader header)
    {
        if (header.Codec == PayloadCodec.ZstdDictionary && Find(header.DictionaryId) is { } dictionary)
        {
            set.TryAdd(dictionary.Id, dictionary.Bytes);
        }
        else if (header.Codec == PayloadCodec.LineDelta && FindBase(header.DictionaryId) is { } delta)
        {
            set.Bases.Add(delta.Base);
        }
    }

    /// <summary>Keeps a base fetched from a server as its stored record (its contents written to disk); null when it is no usable base <paramref name="id"/>.</summary>
    internal LineDeltaEncoder? AddBase(uint id, byte[] value)
    {
        if (LineBases.Read(id, value, -1, out var lineBase) is not null)
        {
            return null;
        }
        WriteFile(BaseFile(id), lineBase!.Contents);
        return _bases.GetOrAdd(id, static (_, b) => new LineDeltaEncoder(b), lineBase!);
    }

    private static string BaseFile(uint id) => "base-" + Redis.DictionaryStore.Hex(id);

    /// <summary>Keeps bytes fetched from a server (written to disk too); null when they are no usable dictionary <paramref name="id"/>.</summary>
    internal CompressionDictionary? Add(uint id, byte[] bytes)
    {
        if (CompressionDictionary.Fault(id, bytes) is not null)
        {
            return null;
        }
        WriteFile(Redis.DictionaryStore.Hex(id), bytes);
        return Keep(id, bytes);
    }

    private CompressionDictionary Keep(uint id, byte[] bytes)
    {
        var dictionary = new CompressionDictionary(bytes);
        var kept = _loaded.GetOrAdd(id, dictionary);
        if (!ReferenceEquals(kept, dictionary))
        {
            dictionary.Dispose();
        }
        return kept;
    }

    private string? PathOf(string file) => _directory is null ? null : Path.Combine(_directory, file);

    /// <summary>The file's bytes if they hash to <paramref name="id"/> (a dictionary's bytes, a base's contents).</summary>
    private byte[]? ReadFile(uint id, string file)
    {
        if (PathOf(file) is not { } path)
        {
            return null;
        }
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (CompressionDictionary.IdOf(bytes) == id)
            {
                return bytes;
            }
            File.Delete(path); // damaged: fetched again, and rewritten
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // absent or unreadable: fetched again
        }
        return null;
    }

    /// <summary>A new file renamed into place, readable by its owner only: a dictionary holds pieces of many hosts' records.</summary>
    private void WriteFile(string file, byte[] bytes)
    {
        if (PathOf(file) is not { } path)
        {
            return;
        }
        var temporary = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.new";
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(_directory!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            else
            {
                Directory.CreateDirectory(_directory!);
            }
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(bytes);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.CompareExchange(ref _warning, $"the dictionary cache '{_directory}' could not be written ({e.Message}); dictionaries are fetched from the servers again at the next push", null);
        }
    }

    /// <summary>Frees the dictionaries loaded.</summary>
    public void Dispose()
    {
        foreach (var d in _loaded.Values)
        {
            d.Dispose();
        }
        _loaded.Clear();
    }
}
