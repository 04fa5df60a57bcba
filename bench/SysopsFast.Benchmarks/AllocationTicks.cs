using System.Diagnostics.Tracing;
using System.Globalization;

namespace SysopsFast.Benchmarks;

/// <summary>
/// The runtime's allocation ticks (one event per ~100 KB allocated, naming the type that crossed
/// the mark) added up by type while <see cref="Counting"/>: estimates whose error shrinks with what
/// is allocated. Used by <see cref="AllocationProbe"/> and by the startup hook.
/// </summary>
internal sealed class AllocationTicks : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<string, long> _bytesByType = new(StringComparer.Ordinal);

    public volatile bool Counting;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!Counting || e.EventName != "GCAllocationTick_V4" || e.Payload is null)
        {
            return;
        }
        var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a], CultureInfo.InvariantCulture) : 100_000;
        lock (_bytesByType)
        {
            _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + amount;
        }
    }

    /// <summary>The <paramref name="top"/> types by bytes, each divided by <paramref name="per"/>, one per line.</summary>
    public void Print(TextWriter output, double per, string unit, int top = 25)
    {
        lock (_bytesByType)
        {
            foreach (var (type, bytes) in _bytesByType.OrderByDescending(p => p.Value).Take(top))
            {
                output.WriteLine($"{bytes / per,10:F1} {unit}  {type}");
            }
        }
    }
}
