using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Core;

/// <summary>What of the log is durable: the leader counts itself only up to it (Raft thesis §10.2.1).</summary>
public sealed class LogDurabilityTests
{
    [Fact]
    public void A_completed_append_makes_its_entries_durable()
    {
        // Reference: Raft paper Figure 2 (entries are on stable storage before they count)
        var durability = new LogDurability();
        durability.Recovered(3);
        var ticket = durability.Begin(pipelined: true);
        Assert.Equal((3L, 1), (durability.DurableIndex, durability.AppendsInFlight));

        durability.Completed(ticket, appendedUpTo: 5);

        Assert.Equal((5L, 0), (durability.DurableIndex, durability.AppendsInFlight));
    }

    [Fact]
    public void An_append_written_before_a_truncation_makes_nothing_durable()
    {
        // Reference: Raft paper Figure 2 (step 3 deletes conflicting entries): a write of entries since removed says
        // nothing of the entries now at those indexes
        var durability = new LogDurability();
        durability.Recovered(3);
        var before = durability.Begin(pipelined: true);
        durability.Rewritten(lastKept: 2);

        durability.Completed(before, appendedUpTo: 5);

        Assert.Equal(2, durability.DurableIndex);
        Assert.Equal(0, durability.AppendsInFlight);
    }

    [Fact]
    public void A_durable_snapshot_stands_for_its_entries()
    {
        // Reference: Raft paper §7 (the snapshot replaces the entries it covers)
        var durability = new LogDurability();
        durability.Rewritten(lastKept: 0);

        durability.CoveredBySnapshot(7);

        Assert.Equal(7, durability.DurableIndex);
    }
}
