using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Core;

/// <summary>ReadIndex reads (Raft thesis §6.4) as plain bookkeeping: a leader of {n1, n2, n3} counting n2's and n3's echoes.</summary>
public sealed class ReadRoundsTests
{
    private static readonly string[] Others = ["n2", "n3"];
    private const int Majority = 2;

    [Fact]
    public void A_read_waits_for_an_entry_of_the_leaders_term_to_commit()
    {
        // Reference: Raft thesis §6.4, step 1 (until its term has a committed entry, the leader's commit index may lag)
        var reads = new ReadRounds<string>();
        reads.Admit(1, "client", termCommitted: false, commitIndex: 4);

        Assert.False(reads.StartRound());
        Assert.True(reads.TermCommitted(6));
        Assert.True(reads.StartRound());
        reads.Acknowledged("n2", reads.Round);

        var read = Assert.Single(reads.Release(Others, Majority, lastApplied: 6));
        Assert.Equal((1L, 6L), (read.RequestId, read.Index));
    }

    [Fact]
    public void A_read_is_released_only_once_a_majority_echoed_a_round_started_after_it()
    {
        // Reference: Raft thesis §6.4, step 2 (a heartbeat round acknowledged by a majority proves leadership)
        var reads = new ReadRounds<string>();
        reads.Admit(1, "first", termCommitted: true, commitIndex: 3);
        reads.StartRound();
        reads.Acknowledged("n2", reads.Round);
        reads.Admit(2, "second", termCommitted: true, commitIndex: 3);
        reads.StartRound();

        // n3's echo of the first round says nothing about the time of the second read.
        reads.Acknowledged("n3", reads.Round - 1);
        Assert.Equal(new long[] { 1 }, reads.Release(Others, Majority, lastApplied: 3).Select(r => r.RequestId));
        Assert.Empty(reads.Release(Others, Majority, lastApplied: 3));

        Assert.True(reads.Acknowledged("n3", reads.Round));
        Assert.Equal(new long[] { 2 }, reads.Release(Others, Majority, lastApplied: 3).Select(r => r.RequestId));
    }

    [Fact]
    public void A_confirmed_read_waits_until_its_read_point_is_applied()
    {
        // Reference: Raft thesis §6.4, step 3 (wait for the state machine to advance at least as far as the read index)
        var reads = new ReadRounds<string>();
        reads.Admit(1, "client", termCommitted: true, commitIndex: 5);
        reads.StartRound();
        reads.Acknowledged("n2", reads.Round);

        Assert.Empty(reads.Release(Others, Majority, lastApplied: 4));
        Assert.Single(reads.Release(Others, Majority, lastApplied: 5));
    }

    [Fact]
    public void A_stale_echo_is_no_news_and_leadership_lost_refuses_every_pending_read()
    {
        // Reference: Raft thesis §6.4 (a deposed leader must not serve reads)
        var reads = new ReadRounds<string>();
        reads.Admit(1, "a", termCommitted: false, commitIndex: 0);
        reads.Admit(2, "b", termCommitted: true, commitIndex: 1);
        reads.StartRound();
        Assert.True(reads.Acknowledged("n2", reads.Round));
        Assert.False(reads.Acknowledged("n2", reads.Round));

        Assert.Equal(new[] { "a", "b" }, reads.Clear().Select(r => r.ReplyTo).OrderBy(x => x));
        Assert.Empty(reads.Release(Others, Majority, lastApplied: 10));
        // Echoes are forgotten with the term: a round of the next term needs new ones.
        reads.Admit(3, "c", termCommitted: true, commitIndex: 1);
        reads.StartRound();
        Assert.Empty(reads.Release(Others, Majority, lastApplied: 10));
    }

    [Fact]
    public void An_echo_of_a_round_not_yet_started_confirms_nothing()
    {
        // Reference: every answer from the wire is untrusted (a faulty follower could otherwise confirm future reads)
        var reads = new ReadRounds<string>();
        reads.Admit(1, "first", termCommitted: true, commitIndex: 1);
        reads.StartRound();

        Assert.False(reads.Acknowledged("n2", reads.Round + 5));
        reads.Admit(2, "second", termCommitted: true, commitIndex: 1);
        reads.StartRound();
        Assert.Empty(reads.Release(Others, Majority, lastApplied: 1));
    }

    [Fact]
    public void A_heartbeat_round_starts_even_with_no_read_waiting()
    {
        // Reference: Raft thesis §6.4.1 (with leases, every heartbeat round counts)
        var reads = new ReadRounds<string>();
        Assert.False(reads.StartRound());
        Assert.True(reads.StartRound(always: true));
        Assert.Equal(1, reads.Round);
    }
}
