using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// InstallSnapshot must never stall replication (Raft paper §7, Figure 13): the leader leaves snapshot mode once the
/// follower holds what the snapshot covers, a new leader's snapshot is never blocked by an old leader's half-sent one,
/// resends are paced, and the time a follower spends saving a snapshot does not make it depose a healthy leader.
/// </summary>
public sealed class SnapshotLivenessRulesTests : VirtualTimePeerTest
{
    /// <summary>A state machine's snapshot, longer than one small chunk.</summary>
    private static readonly byte[] State = Enumerable.Range(1, 10).Select(i => (byte)i).ToArray();

    /// <summary>A snapshot that outweighs one kept entry, sent in three chunks of at most <see cref="LargeChunk"/> bytes.</summary>
    private static readonly byte[] Large = Enumerable.Range(1, 200).Select(i => (byte)i).ToArray();

    private const int LargeChunk = 80;

    public SnapshotLivenessRulesTests(ITestOutputHelper output) : base(output) { }

    private static InstallSnapshot Chunk(string from, long term, long index, long lastTerm, int offset, int length, bool done) =>
        new(ClusterId, from, term, index, lastTerm, offset, State.AsSpan(offset, length).ToArray(), done);

    private static AppendEntriesResult Ack(string from, long term, long matchIndex) => new(ClusterId, from, term, true, matchIndex, 0, 0, 0);

    /// <summary>The next message on <paramref name="probe"/> that is not an empty AppendEntries (a heartbeat or commit news).</summary>
    private static object NextSkippingHeartbeats(TestProbe probe)
    {
        while (true)
        {
            var message = probe.ReceiveOne(TimeSpan.FromSeconds(3));
            if (message is AppendEntries { Entries.Count: 0 }) continue;
            return message;
        }
    }

    /// <summary>Proposes <paramref name="index"/>, which n2 stores at once; waits until n1 has applied it.</summary>
    private void ProposeCommittedByN2(IActorRef peer, TestProbe apply, long index)
    {
        peer.Tell(new Propose(Command(index)), TestActor);
        ExpectMsg(new ProposeAccepted(index, 1));
        P2.FishForMessage<AppendEntries>(ae => ae.Entries.Count > 0 && ae.Entries[^1].Index == index);
        peer.Tell(Ack("n2", 1, index), P2.Ref);
        apply.FishForMessage<Applied>(a => a.Index == index);
    }

    [Fact]
    public async Task Leader_leaves_snapshot_mode_when_a_late_append_answer_covers_the_snapshot()
    {
        // Reference: Raft paper §7 (a snapshot is sent only to a follower that lacks entries the leader discarded); etcd
        // leaves snapshot state once the follower's match reaches the snapshot
        var apply = CreateTestProbe();
        var peer = await StartLeaderAsync(new RaftActorOptions { ApplyTo = apply.Ref }, Settings().WithSnapshots(chunkBytes: 4));
        ProposeCommittedByN2(peer, apply, 1);
        ProposeCommittedByN2(peer, apply, 2);
        ProposeCommittedByN2(peer, apply, 3);
        // n3 answered nothing: at the heartbeat its probe is resent with everything, 1..3, and stays unanswered.
        Advance(HeartbeatInterval);
        P3.FishForMessage<AppendEntries>(ae => ae.Entries.Count == 3);
        peer.Tell(new Snapshot(2, State));
        Assert.Equal(2, (await StateOf(peer)).SnapshotIndex);
        // At the next heartbeat n3 still needs index 1, compacted: the snapshot goes.
        Advance(HeartbeatInterval);
        Assert.Equal(0, P3.FishForMessage<InstallSnapshot>(_ => true).Offset);

        // The probe's answer arrives late: n3 holds 1..3, past the snapshot. Then n3's answer to the chunk: it
        // installs nothing new, its commit index being past 2.
        peer.Tell(Ack("n3", 1, 3), P3.Ref);
        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 2, State.Length, Installed: true), P3.Ref);

        // n3 needs nothing compacted: heartbeats and new entries go to it, never the snapshot again.
        Advance(HeartbeatInterval);
        var heartbeat = Assert.IsType<AppendEntries>(P3.ReceiveOne(TimeSpan.FromSeconds(3)));
        Assert.Equal(3, heartbeat.PrevLogIndex);
        peer.Tell(new Propose(Command(4)), TestActor);
        ExpectMsg(new ProposeAccepted(4, 1));
        var append = Assert.IsType<AppendEntries>(NextSkippingHeartbeats(P3));
        Assert.Equal(new[] { 4L }, append.Entries.Select(e => e.Index));
    }

    [Fact]
    public async Task Follower_installs_a_new_leaders_older_snapshot_over_a_half_received_newer_one()
    {
        // Reference: Raft paper Figure 13 (step 2: a chunk at offset 0 creates a new snapshot), §5.1 (a new term
        // has a new leader, whose snapshot is the one to take)
        var apply = CreateTestProbe();
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref });
        // Leader n2 of term 1 sends the first chunk of its snapshot at 8, then fails.
        peer.Tell(Chunk("n2", term: 1, index: 8, lastTerm: 1, offset: 0, length: 4, done: false), P2.Ref);
        P2.ExpectMsg(new InstallSnapshotResult(ClusterId, "n1", 1, 8, 4, Installed: false));

        // n3 leads term 2; its snapshot ends at 5.
        peer.Tell(Chunk("n3", term: 2, index: 5, lastTerm: 1, offset: 0, length: State.Length, done: true), P3.Ref);

        P3.ExpectMsg(new InstallSnapshotResult(ClusterId, "n1", 2, 5, State.Length, Installed: true));
        var installed = apply.ExpectMsg<SnapshotInstalled>();
        Assert.Equal(5L, installed.Index);
        Assert.Equal(State, installed.State);
    }

    [Fact]
    public async Task Follower_never_joins_chunks_of_the_same_snapshot_from_two_leaders()
    {
        // Reference: Raft paper Figure 13 (chunks are written at the offsets one leader assigns); two leaders need not
        // serialize a snapshot of the same index into the same bytes
        var apply = CreateTestProbe();
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref });
        peer.Tell(Chunk("n2", term: 1, index: 5, lastTerm: 1, offset: 0, length: 4, done: false), P2.Ref);
        P2.ExpectMsg(new InstallSnapshotResult(ClusterId, "n1", 1, 5, 4, Installed: false));

        // n3, leader of term 2, has a snapshot of the same index and term; its second chunk must not follow n2's first.
        peer.Tell(Chunk("n3", term: 2, index: 5, lastTerm: 1, offset: 4, length: 6, done: true), P3.Ref);

        P3.ExpectMsg(new InstallSnapshotResult(ClusterId, "n1", 2, 5, 0, Installed: false));
        apply.ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task Leader_resends_a_snapshot_chunk_the_follower_did_not_take_only_at_the_next_heartbeat()
    {
        // Reference: Raft paper Figure 13 (the leader sends chunks in order); a follower that asks for the same offset
        // again must not start a resend loop as fast as the network carries it
        var apply = CreateTestProbe();
        var peer = await StartLeaderAsync(new RaftActorOptions { ApplyTo = apply.Ref }, Settings().WithSnapshots(chunkBytes: 4));
        ProposeCommittedByN2(peer, apply, 1);
        peer.Tell(new Propose(Command(2)), TestActor);
        ExpectMsg(new ProposeAccepted(2, 1));
        peer.Tell(new Snapshot(1, State));
        Assert.Equal(1, (await StateOf(peer)).SnapshotIndex);
        Advance(HeartbeatInterval);
        Assert.Equal(0, P3.FishForMessage<InstallSnapshot>(_ => true).Offset);

        // The follower took nothing (it started over, or dropped the chunk): it asks for offset 0 again.
        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 1, NextOffset: 0, Installed: false), P3.Ref);
        P3.ExpectNoMsg(Quiet);

        Advance(HeartbeatInterval);
        Assert.Equal(0, Assert.IsType<InstallSnapshot>(NextSkippingHeartbeats(P3)).Offset);
        // A chunk taken in order is followed by the next at once.
        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 1, NextOffset: 4, Installed: false), P3.Ref);
        Assert.Equal(4, P3.ExpectMsg<InstallSnapshot>().Offset);
    }

    /// <summary>
    /// Starts n1 as leader with entries 1 and 2 committed by n2 and a snapshot at index 1; n3, silent so far, has been
    /// sent the snapshot's first chunk.
    /// </summary>
    private async Task<IActorRef> StartLeaderSendingItsSnapshotToN3Async(TestProbe apply)
    {
        var peer = await StartLeaderAsync(new RaftActorOptions { ApplyTo = apply.Ref }, Settings().WithSnapshots(chunkBytes: LargeChunk));
        ProposeCommittedByN2(peer, apply, 1);
        ProposeCommittedByN2(peer, apply, 2);
        peer.Tell(new Snapshot(1, Large));
        Assert.Equal(1, (await StateOf(peer)).SnapshotIndex);
        Advance(HeartbeatInterval);
        var first = P3.FishForMessage<InstallSnapshot>(_ => true);
        Assert.Equal((1L, 0L), (first.LastIncludedIndex, first.Offset));
        return peer;
    }

    /// <summary>The state machine's next snapshot, at <paramref name="index"/>, with other bytes than the first; returns those bytes.</summary>
    private async Task<byte[]> TakeNewerSnapshotAsync(IActorRef peer, long index = 2)
    {
        var newer = Large.Reverse().ToArray();
        peer.Tell(new Snapshot(index, newer));
        Assert.Equal(index, (await StateOf(peer)).SnapshotIndex);
        return newer;
    }

    /// <summary>
    /// From <see cref="StartLeaderSendingItsSnapshotToN3Async"/>: n3 takes the first chunk; the leader commits entries
    /// and takes a newer snapshot at each of <paramref name="newerIndexes"/> (index 2 when none is given); n3 is sent
    /// the rest of the first snapshot and installs it.
    /// </summary>
    private async Task InstallTheOlderSnapshotOnN3Async(IActorRef peer, TestProbe apply, params long[] newerIndexes)
    {
        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 1, NextOffset: LargeChunk, Installed: false), P3.Ref);
        Assert.Equal(LargeChunk, P3.ExpectMsg<InstallSnapshot>().Offset);
        var committed = 2L;
        foreach (var newer in newerIndexes.DefaultIfEmpty(2))
        {
            for (; committed < newer; committed++) ProposeCommittedByN2(peer, apply, committed + 1);
            await TakeNewerSnapshotAsync(peer, newer);
        }
        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 1, NextOffset: 2 * LargeChunk, Installed: false), P3.Ref);
        Assert.True(Assert.IsType<InstallSnapshot>(NextSkippingHeartbeats(P3)).Done);
        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 1, NextOffset: Large.Length, Installed: true), P3.Ref);
    }

    [Fact]
    public async Task Leader_finishes_a_snapshot_transfer_under_way_after_it_takes_a_newer_snapshot()
    {
        // Reference: Raft paper Figure 13 (a snapshot goes in chunks at increasing offsets until done); a transfer begun
        // again at each new snapshot would never end where sending one takes longer than the log takes to grow to the next
        var apply = CreateTestProbe();
        var peer = await StartLeaderSendingItsSnapshotToN3Async(apply);
        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 1, NextOffset: LargeChunk, Installed: false), P3.Ref);
        Assert.Equal(LargeChunk, P3.ExpectMsg<InstallSnapshot>().Offset);

        await TakeNewerSnapshotAsync(peer);
        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 1, NextOffset: 2 * LargeChunk, Installed: false), P3.Ref);

        var last = Assert.IsType<InstallSnapshot>(NextSkippingHeartbeats(P3));
        Assert.Equal((1L, 1L, 2L * LargeChunk, true), (last.LastIncludedIndex, last.LastIncludedTerm, last.Offset, last.Done));
        Assert.Equal(Large[(2 * LargeChunk)..], last.Data);
        Assert.NotNull(last.Configuration);
    }

    [Fact]
    public async Task Leader_follows_an_older_snapshot_with_the_entries_it_compacted_meanwhile()
    {
        // Reference: Raft paper §7 (after a snapshot, the follower's log continues from lastIncludedIndex + 1); entries
        // compacted while the follower took an older snapshot are committed, and sending them spares it a second snapshot
        var apply = CreateTestProbe();
        var peer = await StartLeaderSendingItsSnapshotToN3Async(apply);
        await InstallTheOlderSnapshotOnN3Async(peer, apply);

        var append = Assert.IsType<AppendEntries>(P3.ReceiveOne(TimeSpan.FromSeconds(3)));
        Assert.Equal((1L, 1L, 2L), (append.PrevLogIndex, append.PrevLogTerm, append.LeaderCommit));
        Assert.Equal(new[] { 2L }, append.Entries.Select(e => e.Index));
        Assert.Equal(Command(2), append.Entries[0].Command);

        // Once it holds them, what follows comes from the log as for any follower.
        peer.Tell(Ack("n3", 1, 2), P3.Ref);
        peer.Tell(new Propose(Command(3)), TestActor);
        ExpectMsg(new ProposeAccepted(3, 1));
        var next = P3.FishForMessage<AppendEntries>(ae => ae.Entries.Count > 0);
        Assert.Equal(2, next.PrevLogIndex);
        Assert.Equal(new[] { 3L }, next.Entries.Select(e => e.Index));
    }

    [Fact]
    public async Task Leader_keeps_the_entries_it_compacts_across_several_newer_snapshots()
    {
        // Reference: Raft paper §7; the entries after the snapshot being sent stay one run, however often the leader
        // compacts while the follower takes it
        var apply = CreateTestProbe();
        var peer = await StartLeaderSendingItsSnapshotToN3Async(apply);
        await InstallTheOlderSnapshotOnN3Async(peer, apply, 2, 3);

        var append = Assert.IsType<AppendEntries>(P3.ReceiveOne(TimeSpan.FromSeconds(3)));
        Assert.Equal((1L, 1L), (append.PrevLogIndex, append.PrevLogTerm));
        Assert.Equal(new[] { 2L, 3L }, append.Entries.Select(e => e.Index));
    }

    [Fact]
    public async Task Leader_sends_its_newest_snapshot_after_an_older_one_when_the_entries_compacted_meanwhile_outweigh_it()
    {
        // Reference: Raft paper §7 (a follower that lacks compacted entries gets the snapshot); kept entries are bounded by
        // the size of the snapshot they follow, past which the newer snapshot is the cheaper way
        var apply = CreateTestProbe();
        var peer = await StartLeaderSendingItsSnapshotToN3Async(apply);
        // Entries 2 to 4 weigh more than the snapshot: 8 command bytes each and what holding an entry costs.
        Assert.True(3 * (8 + RetainedEntries.EntryOverhead) > Large.Length);
        await InstallTheOlderSnapshotOnN3Async(peer, apply, 4);

        var next = Assert.IsType<InstallSnapshot>(NextSkippingHeartbeats(P3));
        Assert.Equal((4L, 0L), (next.LastIncludedIndex, next.Offset));
    }

    [Fact]
    public async Task Leader_ignores_a_repeated_answer_that_a_snapshot_was_installed()
    {
        // Reference: Raft paper Figure 13 (the follower answers every chunk, a resent last chunk too); an answer that
        // tells the leader nothing new must not reset what it is sending the follower
        var apply = CreateTestProbe();
        var peer = await StartLeaderSendingItsSnapshotToN3Async(apply);
        await InstallTheOlderSnapshotOnN3Async(peer, apply);
        Assert.Equal(1, Assert.IsType<AppendEntries>(P3.ReceiveOne(TimeSpan.FromSeconds(3))).PrevLogIndex);

        // The answer that n3 installed the snapshot comes again (it answered a resent last chunk too).
        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 1, NextOffset: Large.Length, Installed: true), P3.Ref);

        // The append out is still awaited: nothing goes again before the next heartbeat.
        P3.ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task Leader_sends_its_newest_snapshot_to_a_follower_that_has_taken_no_chunk_of_the_older_one()
    {
        // Reference: Raft paper §7 (the leader sends its snapshot to a follower that lags too far behind); with nothing
        // received yet, the newest snapshot costs the follower no more and leaves it less to catch up
        var apply = CreateTestProbe();
        var peer = await StartLeaderSendingItsSnapshotToN3Async(apply);

        // n3 does not answer the first chunk; the leader takes a newer snapshot meanwhile.
        var newer = await TakeNewerSnapshotAsync(peer);
        Advance(HeartbeatInterval);

        var resent = Assert.IsType<InstallSnapshot>(NextSkippingHeartbeats(P3));
        Assert.Equal((2L, 0L), (resent.LastIncludedIndex, resent.Offset));
        Assert.Equal(newer[..LargeChunk], resent.Data);
    }

    [Fact]
    public async Task Election_timeout_during_an_installed_snapshots_save_starts_no_election()
    {
        // Reference: Raft paper Figure 2 (Followers: convert to candidate only if the election timeout elapses without
        // hearing from the current leader); the heartbeats that arrive during the save reset the timer
        var saves = new HeldSaves();
        var apply = CreateTestProbe();
        var peer = await StartPeerWithHeldSavesAsync(saves, new RaftActorOptions { ApplyTo = apply.Ref });
        peer.Tell(Chunk("n2", term: 1, index: 5, lastTerm: 1, offset: 0, length: State.Length, done: true), P2.Ref);
        await saves.FirstStarted.Task.WaitAsync(TimeSpan.FromSeconds(3));

        // During the save the leader's heartbeat arrives, then the timer (started by the chunk) fires.
        peer.Tell(Heartbeat("n2", term: 1, prevLogIndex: 5, prevLogTerm: 1, leaderCommit: 5), P2.Ref);
        Advance(ElectionTimeout);
        saves.ReleaseFirst.SetResult();

        P2.ExpectMsg(new InstallSnapshotResult(ClusterId, "n1", 1, 5, State.Length, Installed: true));
        P2.ExpectMsg<AppendEntriesResult>(r => r.Success && r.MatchIndex == 5);
        P3.ExpectNoMsg(Quiet); // no RequestVote
        var state = await StateOf(peer);
        Assert.Equal((RaftRole.Follower, 1L, "n2"), (state.Role, state.Term, state.LeaderId));

        // The timer still runs: a leader that falls silent is replaced.
        Advance(ElectionTimeout);
        P3.ExpectMsg<RequestVote>(rv => rv.Term == 2);
    }
}
