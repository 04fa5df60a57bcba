using System.Text;
using System.Text.Json;

namespace SysopsFast.Push;

/// <summary>
/// The original sysops-api's <c>/etc/hardware_identification.json</c>: command outputs that another
/// tool ran, as one JSON object <c>{"name": "output", …}</c>. Each becomes the object
/// <c>cmd/&lt;name&gt;</c>, as if the agent had run the command itself.
/// </summary>
public static class HardwareIdentificationFile
{
    /// <summary>Where the hardware identification tool writes the file.</summary>
    public const string DefaultPath = "/etc/hardware_identification.json";

    /// <summary>A larger file is refused rather than read: it is parsed in memory.</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>The outputs of <paramref name="path"/>, name → contents; anything malformed is one error naming the file.</summary>
    public static IReadOnlyList<(string Name, byte[] Output)> Read(string path)
    {
        using var json = Parse(path, ReadBounded(path));
        if (json.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw Errors.HardwareIdentificationInvalid(path, "it is not a JSON object of \"name\": \"output\" pairs");
        }
        var outputs = new List<(string, byte[])>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in json.RootElement.EnumerateObject())
        {
            if (ObjectPath.CommandNameProblem(entry.Name) is { } problem)
            {
                throw Errors.HardwareIdentificationInvalid(path, $"'{entry.Name}' cannot name a command output: {problem}");
            }
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw Errors.HardwareIdentificationInvalid(path, $"the output of '{entry.Name}' is not a string");
            }
            if (!seen.Add(entry.Name))
            {
                throw Errors.HardwareIdentificationInvalid(path, $"'{entry.Name}' is given twice");
            }
            outputs.Add((entry.Name, Encoding.UTF8.GetBytes(entry.Value.GetString()!)));
        }
        return outputs;
    }

    private static byte[] ReadBounded(string path)
    {
        try
        {
            var length = new FileInfo(path).Length;
            return length <= MaxFileBytes
                ? File.ReadAllBytes(path)
                : throw Errors.HardwareIdentificationInvalid(path, $"it holds {length} bytes, more than the {MaxFileBytes >> 20} MiB read");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.HardwareIdentificationInvalid(path, e.Message);
        }
    }

    private static JsonDocument Parse(string path, byte[] bytes)
    {
        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw Errors.HardwareIdentificationInvalid(path, "not valid JSON: " + e.Message.Split('\n')[0]);
        }
    }
}
