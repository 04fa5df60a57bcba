using SysopsFast.Fleet;

namespace SysopsFast.Benchmarks;

/// <summary>Real generator output, so the stages are measured on the fleet the macro benchmark uses.</summary>
internal static class SampleData
{
    public static byte[] Sysctl(int host = 0)
    {
        var fleet = new SyntheticFleet(host + 1, 1);
        var b = new TextBuffer();
        fleet.Write(host, 0, b);
        return b.Span.ToArray();
    }
}
