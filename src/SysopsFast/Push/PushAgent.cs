using System.Globalization;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Push;

/// <summary>One object of this host, ready to push.</summary>
public sealed record PushObject(string Name, byte[] Record, UInt128 Md5);

/// <summary>What one server did with a push.</summary>
public sealed record PushOutcome(string Server, int Written, int Unchanged, string? Error)
{
    public bool Succeeded => Error is null;

    public override string ToString() => Error is null
        ? string.Create(CultureInfo.InvariantCulture, $"{Server}: ok, {Written} written, {Unchanged} unchanged (expiry refreshed)")
        : $"{Server}: FAILED: {Error}";
}

/// <summary>
/// <c>push</c>: this host's objects to every server given, in parallel, each with its own
/// timeout. An object whose stored md5 equals the new one only gets its expiry refreshed; otherwise
/// one SET replaces the whole record, so a reader sees the old record or the new one.
/// </summary>
public static class PushAgent
{
    /// <summary>
    /// Objects from <paramref name="directory"/>: a regular file is a command output dropped there
    /// (<c>cmd/&lt;relative path&gt;</c>); a symlink to a file shares that file under its own
    /// absolute path (a link to /etc/passwd pushes <c>/etc/passwd</c>).
    /// </summary>
    public static IReadOnlyList<PushObject> CollectDirectory(string directory, long insertedUnixMs, PayloadCodec codec = PayloadCodec.Lz4)
    {
        if (!Directory.Exists(directory))
        {
            throw Errors.BadArgument($"'{directory}' is not a directory; give the directory of outgoing objects", ErrorRemedy.PushDirectory);
        }
        var objects = new List<PushObject>();
        foreach (var (fullPath, relative, isLink) in LocalObjects.Files(directory))
        {
            var name = isLink ? new FileInfo(fullPath).ResolveLinkTarget(true)!.FullName : "cmd/" + relative;
            byte[] content;
            try
            {
                content = File.ReadAllBytes(fullPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Errors.BadArgument($"cannot read '{fullPath}' ({e.Message}); fix its permissions or remove it from {directory}");
            }
            var stat = isLink ? LocalObjects.StatOf(fullPath) : FileStat.None;
            objects.Add(new PushObject(name, RecordEncoder.Encode(content, stat, insertedUnixMs, codec), RecordEncoder.Md5Of(content)));
        }
        return objects;
    }

    public static async Task<IReadOnlyList<PushOutcome>> PushAsync(
        string hostname,
        IReadOnlyList<PushObject> objects,
        IReadOnlyList<ServerAddress> servers,
        TimeSpan? ttl,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        RedisConnections.CheckCredentials(servers);
        await using var connections = new RedisConnections();
        var tasks = servers.Distinct().Select(s => PushOneAsync(connections, s, hostname, objects, ttl, timeout, cancellationToken));
        return await Task.WhenAll(tasks);
    }

    private static async Task<PushOutcome> PushOneAsync(RedisConnections connections, ServerAddress server, string hostname, IReadOnlyList<PushObject> objects, TimeSpan? ttl, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var db = await connections.DatabaseAsync(server, deadline.Token);
            var keys = objects.Select(o => (RedisKey)ObjectKey.Make(hostname, o.Name)).ToArray();
            // The md5 sits at a fixed place in the header: 16 bytes fetched per object, not the record.
            var stored = await Task.WhenAll(keys.Select(k => db.StringGetRangeAsync(k, 24, 39))).WaitAsync(deadline.Token);
            var writes = new List<Task>();
            int written = 0, unchanged = 0;
            for (var i = 0; i < objects.Count; i++)
            {
                var old = (byte[]?)stored[i];
                if (old is { Length: 16 } && System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(old) == objects[i].Md5)
                {
                    writes.Add(ttl is { } t ? db.KeyExpireAsync(keys[i], t) : db.KeyPersistAsync(keys[i]));
                    unchanged++;
                }
                else
                {
                    writes.Add(ttl is { } expiry ? db.StringSetAsync(keys[i], objects[i].Record, expiry) : db.StringSetAsync(keys[i], objects[i].Record));
                    written++;
                }
            }
            var expiryScore = KeyCatalog.Expiry(ttl, DateTimeOffset.UtcNow);
            foreach (var o in objects)
            {
                writes.AddRange(KeyCatalog.Add(db, hostname, o.Name, expiryScore));
            }
            await Task.WhenAll(writes).WaitAsync(deadline.Token);
            return new PushOutcome(server.ToString(), written, unchanged, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new PushOutcome(server.ToString(), 0, 0, $"no answer within {timeout.TotalSeconds:F0} s");
        }
        catch (SysopsFastException e)
        {
            return new PushOutcome(server.ToString(), 0, 0, e.Message);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return new PushOutcome(server.ToString(), 0, 0, (Errors.ConfigurationError(server.ToString(), e)?.Message ?? e.Message).Split('\n')[0]);
        }
    }
}
