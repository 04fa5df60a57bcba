using SysopsFast.Push;
using Xunit;

namespace SysopsFast.Tests;

public sealed class PushLedgerTests
{
    /// <summary>None is shared by every push without a ledger: if it recorded, a long-lived process would pile up every host's keys in it.</summary>
    [Fact]
    public void None_remembers_nothing_and_an_in_memory_ledger_remembers_the_last_push()
    {
        PushLedger.None.Record("s1", [("h#cmd/a", 1)]);
        Assert.False(PushLedger.None.Holds("s1", "h#cmd/a", 1));

        var ledger = PushLedger.InMemory();
        ledger.Record("s1", [("h#cmd/a", 1), ("h#cmd/b", 2)]);
        Assert.True(ledger.Holds("s1", "h#cmd/a", 1));
        Assert.False(ledger.Holds("s1", "h#cmd/a", 3));
        Assert.False(ledger.Holds("s2", "h#cmd/a", 1));

        ledger.Record("s1", [("h#cmd/b", 2)]);
        Assert.False(ledger.Holds("s1", "h#cmd/a", 1));
        Assert.Null(ledger.Save());
    }
}
