using System.Globalization;
using SysopsFast.Format;

namespace SysopsFast.Push;

/// <summary>A push run's objects, and what is worth telling about them (secrets left out, commands that failed, objects over the cap).</summary>
public sealed record CollectedObjects(IReadOnlyList<PushObject> Objects, IReadOnlyList<string> Notes);

/// <summary>
/// Gathers what a push sends, in this order: the outgoing directory, the hardware identification
/// file, the commands the agent runs (and their status object, <see cref="CommandStatusObject"/>). An
/// object a later source names again replaces the earlier one, with a note. Objects the deny-list
/// names are neither read nor run.
/// </summary>
public static class ObjectCollector
{
    /// <summary>Everything <paramref name="settings"/> names, read or run now, stamped <paramref name="insertedUnixMs"/>.</summary>
    public static async Task<CollectedObjects> CollectAsync(PushSettings settings, long insertedUnixMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var collected = new Collection(settings);
        if (settings.Directory is { } directory)
        {
            collected.AddDirectory(directory, insertedUnixMs);
        }
        if (settings.HardwareIdentification is { } file)
        {
            collected.AddHardwareIdentification(file, insertedUnixMs);
        }
        var commands = settings.Commands.Where(c => collected.MayPush(ObjectPath.CommandOutput(c.Name))).ToList();
        if (commands.Count > 0)
        {
            var results = await CommandRunner.RunAllAsync(commands, settings.SizeCap, r => (Result: r with { Output = null }, Record: r.Output is { } output ? PushObject.Of(ObjectPath.CommandOutput(r.Command.Name), output, FileStat.None, insertedUnixMs) : null), cancellationToken);
            collected.AddCommands(results, insertedUnixMs);
        }
        return new CollectedObjects([.. collected.Objects.Values], collected.Notes);
    }

    /// <summary>The objects by name (later ones replacing earlier ones) and the notes.</summary>
    private sealed class Collection(PushSettings settings)
    {
        public OrderedDictionary<string, PushObject> Objects { get; } = new(StringComparer.Ordinal);

        public List<string> Notes { get; } = [];

        public void AddDirectory(string directory, long insertedUnixMs)
        {
            var found = PushAgent.Collect(directory, insertedUnixMs, sensitive: settings.Sensitive, sizeCap: settings.SizeCap);
            foreach (var name in found.Sensitive)
            {
                NoteSecret(name);
            }
            Notes.AddRange(found.NotRead.Select(n => "not pushed: " + n));
            foreach (var o in found.Objects)
            {
                Add(o, $"the file of {directory}");
            }
        }

        public void AddHardwareIdentification(string file, long insertedUnixMs)
        {
            foreach (var (name, output) in HardwareIdentificationFile.Read(file))
            {
                var objectName = ObjectPath.CommandOutput(name);
                if (MayPush(objectName))
                {
                    Add(PushObject.Of(objectName, ContentReader.FromBytes(output, settings.SizeCap), FileStat.None, insertedUnixMs), $"the output in {file}");
                }
            }
        }

        public void AddCommands(IReadOnlyList<(CommandResult Result, PushObject? Record)> results, long insertedUnixMs)
        {
            foreach (var (result, record) in results)
            {
                if (record is not null)
                {
                    Add(record, $"the output of '{result.Command.Run}'");
                }
                if (Problem(result) is { } problem)
                {
                    Notes.Add(problem);
                }
            }
            Add(CommandStatusObject.ToPushObject(results.Select(r => r.Result), insertedUnixMs), "the agent's own");
        }

        /// <summary>Whether an object may be pushed; a secret is noted instead.</summary>
        public bool MayPush(string objectName)
        {
            if (!settings.Sensitive.Matches(objectName))
            {
                return true;
            }
            NoteSecret(objectName);
            return false;
        }

        private void Add(PushObject o, string source)
        {
            if (Objects.ContainsKey(o.Name))
            {
                Notes.Add($"'{o.Name}' is given twice: {source} is pushed");
            }
            Objects[o.Name] = o;
            if (o.Omitted)
            {
                Notes.Add(string.Create(CultureInfo.InvariantCulture, $"'{o.Name}' is {o.Length} bytes, over the {settings.SizeCap} byte cap: pushed as a record that says so, without its contents"));
            }
        }

        private void NoteSecret(string name) =>
            Notes.Add($"not pushed: '{name}' looks like a secret (deny-list: {string.Join(" ", settings.Sensitive.Globs)})");

        /// <summary>What went wrong with a command, or null when it exited 0.</summary>
        private static string? Problem(CommandResult r)
        {
            var output = ObjectPath.CommandOutput(r.Command.Name);
            if (r.TimedOut)
            {
                return string.Create(CultureInfo.InvariantCulture, $"command '{r.Command.Name}' timed out after {r.Command.Timeout.TotalSeconds:0.###} s and was killed with everything it started; {output} keeps what was pushed before");
            }
            if (r.ExitCode is null)
            {
                return $"command '{r.Command.Name}' could not start ({r.Failure}); {output} keeps what was pushed before";
            }
            var stderr = r.Stderr.Split('\n', 2)[0].Trim();
            return r.ExitCode == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"command '{r.Command.Name}' exited with status {r.ExitCode}{(stderr.Length > 0 ? ": " + stderr : "")}");
        }
    }
}
