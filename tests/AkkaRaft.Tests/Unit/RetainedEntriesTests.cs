using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Tests.Unit;

/// <summary>Entries a leader keeps for a follower taking an older snapshot: what follows that snapshot, within its size.</summary>
public sealed class RetainedEntriesTests
{
    private static LogEntry Entry(long index, long term, int bytes = 4) => new(index, term, new byte[bytes]);

    [Fact]
    public void Terms_are_known_from_the_snapshot_they_follow_to_the_last_entry_kept()
    {
        // Reference: Raft paper Figure 2 (AppendEntries carries prevLogTerm); §7 (lastIncludedTerm stands for the snapshot)
        var retained = new RetainedEntries(after: 10, afterTerm: 2, limit: 1000);
        Assert.True(retained.TryAdd(new[] { Entry(11, 2), Entry(12, 3) }));

        Assert.Equal(2, retained.TermAt(10));
        Assert.Equal(2, retained.TermAt(11));
        Assert.Equal(3, retained.TermAt(12));
        Assert.Null(retained.TermAt(9));
        Assert.Null(retained.TermAt(13));
        Assert.Equal(12, retained.LastIndex);
    }

    [Fact]
    public void Entries_that_would_weigh_more_than_the_snapshot_are_refused_whole()
    {
        // Reference: Raft paper §7 (the snapshot replaces the entries it covers); past its size, the snapshot is cheaper
        var perEntry = 4 + RetainedEntries.EntryOverhead;
        var retained = new RetainedEntries(after: 10, afterTerm: 2, limit: 2 * perEntry);
        Assert.True(retained.TryAdd(new[] { Entry(11, 2) }));

        Assert.False(retained.TryAdd(new[] { Entry(12, 2), Entry(13, 2) }));

        Assert.Equal((11L, (long)perEntry), (retained.LastIndex, retained.Bytes));
    }

    [Fact]
    public void Entries_without_a_command_still_weigh_what_holding_them_costs()
    {
        // Reference: Raft paper §7; an entry's memory is more than its command, so empty commands cannot be kept unbounded
        var retained = new RetainedEntries(after: 10, afterTerm: 2, limit: 3 * RetainedEntries.EntryOverhead);

        Assert.False(retained.TryAdd(Enumerable.Range(11, 4).Select(i => Entry(i, 2, bytes: 0)).ToList()));
        Assert.True(retained.TryAdd(Enumerable.Range(11, 3).Select(i => Entry(i, 2, bytes: 0)).ToList()));
        Assert.Equal(13, retained.LastIndex);
    }

    [Fact]
    public void Entries_must_continue_from_the_last_one_kept()
    {
        // Reference: Raft paper §5.3 (a log has no gaps)
        var retained = new RetainedEntries(after: 10, afterTerm: 2, limit: 1000);

        Assert.Throws<InvalidOperationException>(() => retained.TryAdd(new[] { Entry(12, 2) }));
        Assert.Equal(10, retained.LastIndex);
    }

    [Fact]
    public void Slice_honours_the_message_limits_and_returns_at_least_one_entry()
    {
        // Reference: Raft paper Figure 2 (AppendEntries sends entries from nextIndex on)
        var retained = new RetainedEntries(after: 10, afterTerm: 2, limit: 1000);
        Assert.True(retained.TryAdd(new[] { Entry(11, 2, 8), Entry(12, 2, 8), Entry(13, 2, 8) }));

        Assert.Equal(new[] { 12L, 13L }, retained.Slice(12, maxCount: 5, maxBytes: 100).Select(e => e.Index));
        Assert.Equal(new[] { 11L, 12L }, retained.Slice(11, maxCount: 2, maxBytes: 100).Select(e => e.Index));
        Assert.Equal(new[] { 11L }, retained.Slice(11, maxCount: 5, maxBytes: 4).Select(e => e.Index));
        Assert.Throws<ArgumentOutOfRangeException>(() => retained.Slice(10, 5, 100));
    }
}
