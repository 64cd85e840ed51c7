using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Unit;

/// <summary>The leader's view of one follower: nextIndex, matchIndex and the in-flight window.</summary>
public sealed class FollowerProgressTests
{
    /// <summary>A progress that has left probe mode: the follower acknowledged <paramref name="match"/>.</summary>
    private static FollowerProgress Replicating(long match, int maxInflight)
    {
        var progress = new FollowerProgress(match + 1, maxInflight);
        progress.Sent(match);
        progress.Acknowledged(match);
        Assert.Equal(ReplicationMode.Replicate, progress.Mode);
        return progress;
    }

    [Fact]
    public void New_leader_probes_from_the_end_of_its_log()
    {
        // Reference: Raft paper Figure 2 (nextIndex starts at leader last log index + 1, matchIndex at 0)
        var progress = new FollowerProgress(nextIndex: 6, maxInflight: 4);

        Assert.Equal(ReplicationMode.Probe, progress.Mode);
        Assert.Equal(6, progress.Next);
        Assert.Equal(0, progress.Match);
        Assert.False(progress.IsPaused);
    }

    [Fact]
    public void Probe_sends_one_message_at_a_time()
    {
        // Reference: Raft paper §5.3 (the leader searches for the match point one AppendEntries at a time)
        var progress = new FollowerProgress(nextIndex: 1, maxInflight: 4);

        progress.Sent(3);

        Assert.True(progress.IsPaused);
        Assert.Equal(1, progress.Next); // a probe does not advance Next: it may be refused
    }

    [Fact]
    public void Acknowledged_probe_switches_to_replicate_after_the_match()
    {
        // Reference: Raft paper Figure 2 (on success update nextIndex and matchIndex)
        var progress = new FollowerProgress(nextIndex: 1, maxInflight: 4);
        progress.Sent(3);

        var grew = progress.Acknowledged(3);

        Assert.True(grew);
        Assert.Equal(ReplicationMode.Replicate, progress.Mode);
        Assert.Equal(3, progress.Match);
        Assert.Equal(4, progress.Next);
        Assert.False(progress.IsPaused);
    }

    [Fact]
    public void Replicate_pauses_when_the_inflight_window_is_full()
    {
        // Reference: Raft thesis §10.2.1 (pipelining, bounded)
        var progress = Replicating(match: 0, maxInflight: 2);

        progress.Sent(5);
        Assert.False(progress.IsPaused);
        progress.Sent(10);

        Assert.True(progress.IsPaused);
        Assert.Equal(2, progress.Inflight);
        Assert.Equal(11, progress.Next); // pipelined: Next runs ahead of Match
    }

    [Fact]
    public void Acknowledgement_frees_the_inflight_messages_it_covers()
    {
        // Reference: Raft thesis §10.2.1
        var progress = Replicating(match: 0, maxInflight: 2);
        progress.Sent(5);
        progress.Sent(10);

        progress.Acknowledged(5);

        Assert.Equal(1, progress.Inflight);
        Assert.False(progress.IsPaused);
        Assert.Equal(5, progress.Match);
        Assert.Equal(11, progress.Next);

        progress.Acknowledged(10);
        Assert.Equal(0, progress.Inflight);
    }

    [Fact]
    public void Late_acknowledgement_never_lowers_match()
    {
        // Reference: Raft paper Figure 2 (matchIndex increases monotonically)
        var progress = Replicating(match: 7, maxInflight: 4);

        var grew = progress.Acknowledged(3);

        Assert.False(grew);
        Assert.Equal(7, progress.Match);
        Assert.Equal(8, progress.Next);
    }

    [Fact]
    public void Rejection_in_probe_moves_next_back_to_the_hint()
    {
        // Reference: Raft paper §5.3 (decrement nextIndex and retry; fast backup)
        var progress = new FollowerProgress(nextIndex: 10, maxInflight: 4);
        progress.Sent(12);

        var changed = progress.Rejected(rejectedPrev: 9, hintNext: 4);

        Assert.True(changed);
        Assert.Equal(4, progress.Next);
        Assert.False(progress.IsPaused); // the next probe may go at once
    }

    [Fact]
    public void Stale_rejection_in_probe_is_ignored()
    {
        // Reference: Raft paper §5.3; a refusal of an older probe says nothing about the current one
        var progress = new FollowerProgress(nextIndex: 10, maxInflight: 4);
        progress.Sent(12);
        progress.Rejected(rejectedPrev: 9, hintNext: 6);
        progress.Sent(12);

        var changed = progress.Rejected(rejectedPrev: 9, hintNext: 2); // duplicate answer to the first probe

        Assert.False(changed);
        Assert.Equal(6, progress.Next);
        Assert.True(progress.IsPaused);
    }

    [Fact]
    public void Stale_rejection_in_replicate_is_ignored()
    {
        // Reference: Raft paper §5.3; a refusal at or below the known match point predates it
        var progress = Replicating(match: 5, maxInflight: 4);
        progress.Sent(8);

        var changed = progress.Rejected(rejectedPrev: 4, hintNext: 1);

        Assert.False(changed);
        Assert.Equal(ReplicationMode.Replicate, progress.Mode);
        Assert.Equal(5, progress.Match);
        Assert.Equal(9, progress.Next);
        Assert.Equal(1, progress.Inflight);
    }

    [Fact]
    public void Rejection_in_replicate_returns_to_probe_and_clears_the_window()
    {
        // Reference: Raft paper §5.3
        var progress = Replicating(match: 5, maxInflight: 2);
        progress.Sent(8);
        progress.Sent(10);

        var changed = progress.Rejected(rejectedPrev: 8, hintNext: 7);

        Assert.True(changed);
        Assert.Equal(ReplicationMode.Probe, progress.Mode);
        Assert.Equal(7, progress.Next);
        Assert.Equal(0, progress.Inflight);
        Assert.False(progress.IsPaused);
    }

    [Fact]
    public void Rejection_never_moves_next_below_match_plus_one()
    {
        // Reference: Raft paper §5.3 (entries up to matchIndex are known to match; never resend before them)
        var progress = Replicating(match: 5, maxInflight: 4);
        progress.Sent(9);

        progress.Rejected(rejectedPrev: 7, hintNext: 2);

        Assert.Equal(6, progress.Next);
        Assert.Equal(5, progress.Match);
    }

    [Fact]
    public void Rejection_never_moves_next_forward_past_the_refused_position()
    {
        // Reference: Raft paper §5.3 (the follower refused prevLogIndex, so Next must be at most that index)
        var progress = new FollowerProgress(nextIndex: 10, maxInflight: 4);
        progress.Sent(12);

        progress.Rejected(rejectedPrev: 9, hintNext: 50);

        Assert.Equal(9, progress.Next);
    }

    [Fact]
    public void Heartbeat_allows_another_probe()
    {
        // Reference: Raft paper §5.3 (a lost probe or answer is retried; the leader retries indefinitely)
        var progress = new FollowerProgress(nextIndex: 3, maxInflight: 4);
        progress.Sent(5);
        Assert.True(progress.IsPaused);

        progress.HeartbeatElapsed();

        Assert.False(progress.IsPaused);
        Assert.Equal(ReplicationMode.Probe, progress.Mode);
        Assert.Equal(3, progress.Next);
    }
}
