using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Unit;

/// <summary>The leader's view of a follower that needs compacted entries: its snapshot goes one chunk at a time.</summary>
public sealed class FollowerProgressSnapshotTests
{
    /// <summary>A progress in snapshot mode for the snapshot ending at <paramref name="index"/>, after a pipelined start.</summary>
    private static FollowerProgress Snapshotting(long index, int maxInflight = 4)
    {
        var progress = new FollowerProgress(nextIndex: 1, maxInflight);
        progress.BeginSnapshot(Image(index));
        return progress;
    }

    /// <summary>A snapshot ending at <paramref name="index"/>, as the leader would send it.</summary>
    private static SnapshotImage Image(long index) => new(index, 1, new byte[10], default);

    [Fact]
    public void BeginSnapshot_starts_sending_from_offset_zero_and_clears_the_window()
    {
        // Reference: Raft paper §7 (the leader sends its snapshot to a follower that lags too far behind)
        var progress = new FollowerProgress(nextIndex: 1, maxInflight: 4);
        progress.Sent(3);
        progress.Acknowledged(3);
        progress.Sent(5);
        progress.Sent(7);
        Assert.Equal(2, progress.Inflight);

        progress.BeginSnapshot(Image(10));

        Assert.Equal(ReplicationMode.Snapshot, progress.Mode);
        Assert.Equal(10, progress.SnapshotIndex);
        Assert.Equal(0, progress.SnapshotOffset);
        Assert.False(progress.ChunkOutstanding);
        Assert.Equal(0, progress.Inflight);
    }

    [Fact]
    public void BeginSnapshot_of_a_newer_snapshot_starts_over()
    {
        // Reference: Raft paper Figure 13 (a new snapshot starts again at offset 0)
        var progress = Snapshotting(10);
        progress.ChunkSent(4);
        progress.ChunkAcknowledged(10, 4);

        progress.BeginSnapshot(Image(20));

        Assert.Equal(20, progress.SnapshotIndex);
        Assert.Equal(0, progress.SnapshotOffset);
        Assert.False(progress.ChunkOutstanding);
    }

    [Fact]
    public void A_transfer_is_under_way_once_the_follower_has_taken_a_chunk_and_ends_when_it_installs()
    {
        // Reference: Raft paper Figure 13 (the follower answers each chunk with the offset it expects next)
        var progress = Snapshotting(10);
        Assert.False(progress.SnapshotUnderway);
        progress.ChunkSent(4);
        Assert.False(progress.SnapshotUnderway);

        progress.ChunkAcknowledged(10, 4);
        Assert.True(progress.SnapshotUnderway);

        progress.SnapshotInstalled(10);
        Assert.False(progress.SnapshotUnderway);
        Assert.Null(progress.Image);
    }

    [Fact]
    public void Snapshot_mode_sends_one_chunk_at_a_time()
    {
        // Reference: Raft paper Figure 13 (chunks are sent in order); the next one goes once this one is answered
        var progress = Snapshotting(10);

        progress.ChunkSent(4);

        Assert.True(progress.ChunkOutstanding);
        Assert.True(progress.IsPaused);
    }

    [Fact]
    public void Snapshot_mode_pauses_appending_entries()
    {
        // Reference: Raft paper §7 (the follower needs the snapshot before any entry after it can match)
        var progress = Snapshotting(10);

        Assert.False(progress.ChunkOutstanding);
        Assert.True(progress.IsPaused);
    }

    [Fact]
    public void ChunkAcknowledged_moves_to_the_offset_the_follower_expects()
    {
        // Reference: Raft paper Figure 13 (offset: where the chunk is positioned in the snapshot file)
        var progress = Snapshotting(10);
        progress.ChunkSent(4);

        Assert.True(progress.ChunkAcknowledged(10, 4));

        Assert.Equal(4, progress.SnapshotOffset);
        Assert.False(progress.ChunkOutstanding);
        Assert.Equal(ReplicationMode.Snapshot, progress.Mode);
    }

    [Fact]
    public void ChunkAcknowledged_may_move_the_offset_back_to_resend_at_the_next_heartbeat()
    {
        // Reference: Raft paper Figure 13; the follower names the next offset it expects, even an earlier one after a
        // loss. That resend waits for the heartbeat, so a follower that keeps asking cannot start a hot loop.
        var progress = Snapshotting(10);
        progress.ChunkSent(8);
        progress.ChunkAcknowledged(10, 8);
        progress.ChunkSent(12);

        Assert.False(progress.ChunkAcknowledged(10, 0));

        Assert.Equal(0, progress.SnapshotOffset);
        Assert.True(progress.ChunkOutstanding);
        progress.HeartbeatElapsed();
        Assert.False(progress.ChunkOutstanding);
    }

    [Fact]
    public void ChunkAcknowledged_for_another_snapshot_is_stale()
    {
        // Reference: Raft paper §7 (an answer about an older snapshot says nothing about the one being sent)
        var progress = Snapshotting(20);
        progress.ChunkSent(4);

        Assert.False(progress.ChunkAcknowledged(10, 4));

        Assert.Equal(0, progress.SnapshotOffset);
        Assert.True(progress.ChunkOutstanding);
    }

    [Fact]
    public void ChunkAcknowledged_outside_snapshot_mode_is_stale()
    {
        // Reference: Raft paper §7 (a late chunk answer after the snapshot was installed changes nothing)
        var progress = Snapshotting(10);
        progress.SnapshotInstalled(10);

        Assert.False(progress.ChunkAcknowledged(10, 4));

        Assert.Equal(ReplicationMode.Probe, progress.Mode);
    }

    [Fact]
    public void SnapshotInstalled_moves_match_to_the_snapshot_and_next_just_after_it()
    {
        // Reference: Raft paper §7 (the follower now holds everything up to lastIncludedIndex), Figure 2 (nextIndex,
        // matchIndex); the match point after it is not yet known, so the leader probes
        var progress = Snapshotting(10);
        progress.ChunkSent(4);

        progress.SnapshotInstalled(10);

        Assert.Equal(10, progress.Match);
        Assert.Equal(11, progress.Next);
        Assert.Equal(ReplicationMode.Probe, progress.Mode);
        Assert.False(progress.ChunkOutstanding);
        Assert.False(progress.IsPaused);
    }

    [Fact]
    public void SnapshotInstalled_never_moves_match_backwards()
    {
        // Reference: Raft paper Figure 2 (matchIndex increases monotonically)
        var progress = new FollowerProgress(nextIndex: 1, maxInflight: 4);
        progress.Sent(12);
        progress.Acknowledged(12);

        progress.SnapshotInstalled(10);

        Assert.Equal(12, progress.Match);
        Assert.Equal(13, progress.Next);
    }

    [Fact]
    public void Rejections_are_ignored_in_snapshot_mode()
    {
        // Reference: Raft paper §7; a refusal answers an AppendEntries sent before the snapshot started
        var progress = Snapshotting(10);
        var next = progress.Next;

        Assert.False(progress.Rejected(rejectedPrev: 0, hintNext: 1));

        Assert.Equal(ReplicationMode.Snapshot, progress.Mode);
        Assert.Equal(next, progress.Next);
    }

    [Fact]
    public void A_late_acknowledgement_short_of_the_snapshot_raises_match_but_keeps_sending_the_snapshot()
    {
        // Reference: Raft paper Figure 2 (matchIndex), §7 (the snapshot decides what comes next)
        var progress = Snapshotting(10);

        Assert.True(progress.Acknowledged(3));

        Assert.Equal(3, progress.Match);
        Assert.Equal(ReplicationMode.Snapshot, progress.Mode);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(12)]
    public void A_late_acknowledgement_that_covers_the_snapshot_ends_snapshot_mode(long match)
    {
        // Reference: Raft paper §7 (the snapshot is for a follower lacking entries the leader discarded); a follower
        // holding the snapshot's last entry lacks none of them, so entries follow its match again
        var progress = Snapshotting(10);
        progress.ChunkSent(4);

        Assert.True(progress.Acknowledged(match));

        Assert.Equal(ReplicationMode.Replicate, progress.Mode);
        Assert.Equal(match + 1, progress.Next);
        Assert.False(progress.ChunkOutstanding);
        Assert.False(progress.IsPaused);
    }

    [Fact]
    public void Heartbeat_allows_resending_a_chunk_whose_answer_was_lost()
    {
        // Reference: Raft paper §5.3 (RPCs are retried), §7; the chunk also stands in for the heartbeat
        var progress = Snapshotting(10);
        progress.ChunkSent(4);
        progress.ChunkAcknowledged(10, 4);
        progress.ChunkSent(8);

        progress.HeartbeatElapsed();

        Assert.False(progress.ChunkOutstanding);
        Assert.Equal(4, progress.SnapshotOffset); // resent from where the follower last asked
        Assert.Equal(ReplicationMode.Snapshot, progress.Mode);
    }
}
