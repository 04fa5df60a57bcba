using SysopsFast.Push;
using Xunit;

namespace SysopsFast.Tests;

public sealed class PushLedgerTests
{
    /// <summary>None is shared by every push without a ledger: if it recorded, a long-lived process would pile up every host's keys in it.</summary>
    [Fact]
    public void None_remembers_nothing_and_an_in_memory_ledger_remembers_the_last_push()
    {
        PushLedger.None.Record("s1", [("h#cmd/a", 1, 0)]);
        Assert.False(PushLedger.None.Holds("s1", "h#cmd/a", 1));

        var ledger = PushLedger.InMemory();
        ledger.Record("s1", [("h#cmd/a", 1, 0), ("h#cmd/b", 2, 0xabcd)]);
        Assert.True(ledger.Holds("s1", "h#cmd/a", 1));
        Assert.False(ledger.Holds("s1", "h#cmd/a", 3));
        Assert.False(ledger.Holds("s2", "h#cmd/a", 1));
        Assert.True(ledger.Holds("s1", "h#cmd/b", 2, 0xabcd));
        Assert.False(ledger.Holds("s1", "h#cmd/b", 2), "the same contents without that dictionary are not what the server holds");

        ledger.Record("s1", [("h#cmd/b", 2, 0)]);
        Assert.False(ledger.Holds("s1", "h#cmd/a", 1));
        Assert.Null(ledger.Save());
    }

    /// <summary>The file keeps each key's dictionary; a ledger written before dictionaries (md5 only) reads as "no dictionary".</summary>
    [Fact]
    public void A_ledger_file_keeps_the_dictionary_of_each_key_and_an_old_one_reads_as_none()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("sysops-fast-ledger-").FullName, "pushed.json");
        try
        {
            var ledger = PushLedger.Load(path);
            ledger.Record("s1", [("h#cmd/a", 0x1234, 0x0a0b0c0d), ("h#cmd/b", 0x5678, 0)]);
            Assert.Null(ledger.Save());
            var again = PushLedger.Load(path);
            Assert.True(again.Holds("s1", "h#cmd/a", 0x1234, 0x0a0b0c0d));
            Assert.True(again.Holds("s1", "h#cmd/b", 0x5678));
            Assert.False(again.Holds("s1", "h#cmd/a", 0x1234));

            File.WriteAllText(path, """{"s1":{"h#cmd/a":"00000000000000000000000000001234"}}""");
            var old = PushLedger.Load(path);
            Assert.True(old.Holds("s1", "h#cmd/a", 0x1234));
            Assert.False(old.Holds("s1", "h#cmd/a", 0x1234, 0x0a0b0c0d));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
