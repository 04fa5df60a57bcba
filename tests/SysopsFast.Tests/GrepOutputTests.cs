using System.Diagnostics;
using System.Text;
using SysopsFast.Grep;
using SysopsFast.Output;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>Line numbers (checked against GNU grep -n), uniq samples and the uniq table's shapes.</summary>
public class GrepOutputTests
{
    /// <summary>Collects "N:line" as grep -n prints one file.</summary>
    private sealed class NumberedSink : IGrepSink
    {
        public StringBuilder Text { get; } = new();

        public bool NeedsLineNumbers => true;

        public void BeginRecord(ReadOnlySpan<byte> key) { }

        public bool Matched(ReadOnlySpan<byte> line) => throw new InvalidOperationException("numbers were asked for");

        public bool Matched(ReadOnlySpan<byte> line, long lineNumber)
        {
            Text.Append(lineNumber).Append(':').Append(Encoding.Latin1.GetString(line)).Append('\n');
            return true;
        }

        public void EndRecord(long selectedLines) { }
    }

    private static string Gnu(string file, string pattern, bool invert)
    {
        var start = new ProcessStartInfo("grep") { RedirectStandardOutput = true, UseShellExecute = false };
        start.Environment["LC_ALL"] = "C";
        string[] args = invert ? ["-n", "-F", "-v", "-e", pattern, file] : ["-n", "-F", "-e", pattern, file];
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    [Fact]
    public void Line_numbers_equal_gnu_grep_n_on_random_files()
    {
        var random = new Random(9);
        var dir = Directory.CreateTempSubdirectory("sysops-fast-n-").FullName;
        try
        {
            for (var round = 0; round < 60; round++)
            {
                var lines = Enumerable.Range(0, random.Next(0, 80)).Select(_ => random.Next(5) switch
                {
                    0 => "",
                    1 => "net.core.somaxconn = " + random.Next(4),
                    2 => "vm.swappiness = " + random.Next(4),
                    3 => new string('x', random.Next(0, 5)),
                    _ => "kernel.panic = 1",
                }).ToList();
                var text = string.Join('\n', lines) + (random.Next(2) == 0 ? "\n" : "");
                var file = Path.Combine(dir, "f");
                File.WriteAllText(file, text);
                foreach (var pattern in new[] { "= 1", "swappiness", "x", "kernel" })
                {
                    foreach (var invert in new[] { false, true })
                    {
                        var sink = new NumberedSink();
                        LineSearcher.Search(Encoding.Latin1.GetBytes(text), MatcherFactory.Create(pattern, regex: false, ignoreCase: false), invert, sink);
                        Assert.Equal(Gnu(file, pattern, invert), sink.Text.ToString());
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Uniq_samples_keep_the_first_hosts_once_each_and_merge_workers()
    {
        var factory = new UniqCountSinkFactory(sampleHosts: 2);
        var a = factory.CreateForWorker();
        var b = factory.CreateForWorker();
        a.BeginRecord("h1#x"u8);
        a.Matched("v"u8);
        a.Matched("v"u8); // twice in one record: one host
        a.BeginRecord("h2#x"u8);
        a.Matched("v"u8);
        b.BeginRecord("h3#x"u8);
        b.Matched("v"u8);
        b.Matched("w"u8);
        factory.Complete([a, b]);
        Assert.Equal(["v", "w"], factory.Result.Select(r => r.Line));
        Assert.Equal(4, factory.Result[0].Count);
        Assert.Equal(["h1", "h2"], factory.Result[0].Hosts!);
        Assert.Equal(["h3"], factory.Result[1].Hosts!);
    }

    [Fact]
    public void Uniq_table_prints_as_text_json_and_csv()
    {
        IReadOnlyList<UniqCount> rows = [new UniqCount("a = \"1\", 2", 3) { Hosts = ["h1", "h2"] }, new UniqCount("b", 1) { Hosts = ["h3"] }];
        Assert.Equal("      3 a = \"1\", 2\th1 h2 …\n      1 b\th3\n", UniqPrinter.Text(rows));
        Assert.Equal("count,line,hosts\r\n3,\"a = \"\"1\"\", 2\",h1 h2\r\n1,b,h3\r\n", UniqPrinter.Csv(rows));
        Assert.Equal("count,line\r\n1,b\r\n", UniqPrinter.Csv([new UniqCount("b", 1)]));
        using var json = new MemoryStream();
        UniqPrinter.Json(json, rows);
        Assert.Equal("{\"count\":3,\"line\":\"a = \\\"1\\\", 2\",\"hosts\":[\"h1\",\"h2\"]}\n{\"count\":1,\"line\":\"b\",\"hosts\":[\"h3\"]}\n", Encoding.UTF8.GetString(json.ToArray()));
    }
}
