using Akka.Persistence.TestKit;
using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;
using SnapshotStore = Akka.Persistence;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// Log compaction and InstallSnapshot (Raft paper §7, Figure 13), one rule per test, on virtual time: n1 is the real
/// peer, n2 and n3 are probes, and an apply probe stands in for the state machine.
/// </summary>
public sealed class SnapshotRulesTests : VirtualTimePeerTest
{
    /// <summary>A state machine's snapshot, longer than one small chunk.</summary>
    private static readonly byte[] State = Enumerable.Range(1, 10).Select(i => (byte)i).ToArray();

    public SnapshotRulesTests(ITestOutputHelper output) : base(output) { }

    private static InstallSnapshot Chunk(string from, long term, long index, long lastTerm, int offset, int length, bool done) =>
        new(ClusterId, from, term, index, lastTerm, offset, State.AsSpan(offset, length).ToArray(), done);

    /// <summary>The whole of <see cref="State"/> in one chunk.</summary>
    private static InstallSnapshot WholeSnapshot(string from, long term, long index, long lastTerm) =>
        Chunk(from, term, index, lastTerm, 0, State.Length, done: true);

    private static InstallSnapshotResult ChunkResult(long term, long index, long nextOffset, bool installed) =>
        new(ClusterId, "n1", term, index, nextOffset, installed);

    private static AppendEntriesResult Ack(long term, long matchIndex) => new(ClusterId, "n1", term, true, matchIndex, 0, 0, 0);

    private static void AssertApplied(TestProbe apply, params long[] indices) =>
        Assert.Equal(indices, apply.ReceiveN(indices.Length).Select(m => Assert.IsType<Applied>(m).Index));

    private static SnapshotInstalled ExpectSnapshotInstalled(TestProbe apply, long index, long term)
    {
        var installed = apply.ExpectMsg<SnapshotInstalled>();
        Assert.Equal(("n1", index, term), (installed.PeerId, installed.Index, installed.Term));
        Assert.Equal(State, installed.State);
        return installed;
    }

    /// <summary>The next message of type <typeparamref name="T"/> on <paramref name="probe"/>, skipping the AppendEntries before it.</summary>
    private static T ExpectSkippingAppends<T>(TestProbe probe) where T : class
    {
        while (true)
        {
            var message = probe.ReceiveOne(TimeSpan.FromSeconds(3));
            if (message is T wanted) return wanted;
            Assert.IsType<AppendEntries>(message);
        }
    }

    /// <summary>Starts n1 as a follower holding entries 1..5 of term 1 from leader n2, with 1..3 committed and applied.</summary>
    private async Task<IActorRef> StartFollowerWithFiveEntriesAsync(TestProbe apply)
    {
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref });
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1, 1, 1, 1), leaderCommit: 3), P2.Ref);
        P2.ExpectMsg(Ack(1, 5));
        AssertApplied(apply, 1, 2, 3);
        return peer;
    }

    /// <summary>Stops n1 and waits until it is gone; the journal and snapshot store of the ActorSystem survive it.</summary>
    private void Crash(IActorRef peer)
    {
        Watch(peer);
        Sys.Stop(peer);
        ExpectTerminated(peer);
        Unwatch(peer);
    }

    /// <summary>Waits until n1's snapshot store holds a snapshot, so a crash cannot overtake the save.</summary>
    private async Task AwaitStoredSnapshotAsync(IActorRef peer)
    {
        var store = SnapshotStore.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var persistenceId = RaftActor.PersistenceIdFor(ClusterId, "n1");
        await AwaitAssertAsync(async () =>
        {
            var loaded = await store.Ask<SnapshotStore.LoadSnapshotResult>(
                new SnapshotStore.LoadSnapshot(persistenceId, SnapshotStore.SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(3));
            Assert.NotNull(loaded.Snapshot);
        });
        await StateOf(peer); // the peer has also handled the store's answer to its save
    }

    [Fact]
    public async Task Follower_assembles_the_leaders_chunks_and_installs_the_snapshot()
    {
        // Reference: Raft paper Figure 13 (InstallSnapshot receiver: write each chunk at its offset, reply and wait for
        // more while done is false, then reset the state machine from the snapshot), §7
        var apply = CreateTestProbe();
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref });

        peer.Tell(Chunk("n2", term: 1, index: 5, lastTerm: 1, offset: 0, length: 4, done: false), P2.Ref);
        P2.ExpectMsg(ChunkResult(1, 5, nextOffset: 4, installed: false));
        peer.Tell(Chunk("n2", term: 1, index: 5, lastTerm: 1, offset: 4, length: 4, done: false), P2.Ref);
        P2.ExpectMsg(ChunkResult(1, 5, nextOffset: 8, installed: false));
        apply.ExpectNoMsg(TimeSpan.Zero); // nothing is installed before the last chunk
        peer.Tell(Chunk("n2", term: 1, index: 5, lastTerm: 1, offset: 8, length: 2, done: true), P2.Ref);

        ExpectSnapshotInstalled(apply, index: 5, term: 1);
        P2.ExpectMsg(ChunkResult(1, 5, nextOffset: 10, installed: true));
        var state = await StateOf(peer);
        Assert.Equal((5L, 5L, 5L, 5L), (state.SnapshotIndex, state.LastLogIndex, state.CommitIndex, state.LastApplied));
    }

    /// <summary>Starts n1 on the TestKit snapshot store, whose saves <paramref name="saves"/> holds.</summary>
        [Fact]
    public async Task Follower_acknowledges_an_installed_snapshot_only_once_it_is_durable()
    {
        // Reference: Raft paper Figure 13 (step 6 saves the snapshot before it replies), Figure 2 (persistent state is
        // updated on stable storage before responding to RPCs)
        var saves = new HeldSaves();
        var apply = CreateTestProbe();
        var peer = await StartPeerWithHeldSavesAsync(saves, new RaftActorOptions { ApplyTo = apply.Ref });

        peer.Tell(WholeSnapshot("n2", term: 1, index: 5, lastTerm: 1), P2.Ref);
        await saves.FirstStarted.Task.WaitAsync(TimeSpan.FromSeconds(3));

        P2.ExpectNoMsg(Quiet);
        saves.ReleaseFirst.SetResult();
        P2.ExpectMsg(ChunkResult(1, 5, State.Length, installed: true));
    }

    [Fact]
    public async Task A_vote_lease_that_ends_while_a_snapshot_is_saved_does_not_end_the_lease_the_leader_renewed_meanwhile()
    {
        // Reference: Raft thesis §9.6 (the vote lease runs from the leader's latest message); a timer message held back
        // with the leader's messages during the save must not come out after them
        var saves = new HeldSaves();
        var settings = Settings(checkQuorum: true).WithElectionTimeout(ElectionTimeout, ElectionTimeout * 3);
        var peer = await StartPeerWithHeldSavesAsync(saves, new RaftActorOptions { Random = new Slowest() }, settings);
        peer.Tell(WholeSnapshot("n2", term: 1, index: 5, lastTerm: 1), P2.Ref);
        await saves.FirstStarted.Task.WaitAsync(TimeSpan.FromSeconds(3));
        peer.Tell(Heartbeat("n2", 1, prevLogIndex: 5, prevLogTerm: 1, leaderCommit: 5), P2.Ref); // held with the save
        Advance(ElectionTimeout); // the lease the snapshot started ends during the save

        saves.ReleaseFirst.SetResult();
        P2.ExpectMsg<InstallSnapshotResult>();
        P2.ExpectMsg<AppendEntriesResult>();
        peer.Tell(VoteRequest("n3", 2, lastLogIndex: 5, lastLogTerm: 1), P3.Ref);

        P3.ExpectNoMsg(Quiet); // the heartbeat renewed the lease after the save
    }

    /// <summary>Election timeouts always at the maximum, so the vote lease (the minimum) ends first.</summary>
    private sealed class Slowest : Random
    {
        public override double NextDouble() => 0.999;
    }

    [Fact]
    public async Task Follower_acknowledges_an_installed_snapshot_only_once_it_is_durable_even_while_an_older_one_is_saved()
    {
        // Reference: Raft paper Figure 13 (step 6), Figure 2 (respond only after stable storage is updated). The state
        // machine's own snapshot, still being saved when the leader's is installed, must not stand in for it.
        var saves = new HeldSaves();
        var apply = CreateTestProbe();
        var peer = await StartPeerWithHeldSavesAsync(saves, new RaftActorOptions { ApplyTo = apply.Ref });
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1, 1, 1, 1), leaderCommit: 3), P2.Ref);
        P2.ExpectMsg(Ack(1, 5));
        AssertApplied(apply, 1, 2, 3);

        peer.Tell(new Snapshot(3, State));
        peer.Tell(WholeSnapshot("n2", term: 1, index: 7, lastTerm: 1), P2.Ref);
        await saves.SecondStarted.Task.WaitAsync(TimeSpan.FromSeconds(3));
        ExpectSnapshotInstalled(apply, index: 7, term: 1);

        saves.ReleaseFirst.SetResult(); // the state machine's snapshot at 3 is durable; the leader's at 7 is not yet
        P2.ExpectNoMsg(Quiet);
        saves.ReleaseSecond.SetResult();
        P2.ExpectMsg(ChunkResult(1, 7, State.Length, installed: true));
    }

    [Fact]
    public async Task Follower_applies_only_entries_after_an_installed_snapshot()
    {
        // Reference: Raft paper §7 (the snapshot replaces the state machine's state up to lastIncludedIndex; the
        // entries it covers are never applied one by one)
        var apply = CreateTestProbe();
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref });
        peer.Tell(WholeSnapshot("n2", term: 1, index: 5, lastTerm: 1), P2.Ref);
        P2.ExpectMsg(ChunkResult(1, 5, State.Length, installed: true));

        peer.Tell(Append("n2", term: 1, prevLogIndex: 5, prevLogTerm: 1, Entries(6, 1, 1), leaderCommit: 7), P2.Ref);
        P2.ExpectMsg(Ack(1, 7));

        ExpectSnapshotInstalled(apply, index: 5, term: 1);
        AssertApplied(apply, 6, 7);
        apply.ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task Follower_accepts_append_entries_that_continue_from_the_snapshot_index()
    {
        // Reference: Raft paper §7 (the last included index and term support the AppendEntries consistency check for
        // the first entry after the snapshot), Figure 2 (AppendEntries receiver step 2)
        var peer = await StartPeerAsync();
        peer.Tell(WholeSnapshot("n2", term: 2, index: 5, lastTerm: 2), P2.Ref);
        P2.ExpectMsg(ChunkResult(2, 5, State.Length, installed: true));

        peer.Tell(Append("n2", term: 2, prevLogIndex: 5, prevLogTerm: 2, Entries(6, 2)), P2.Ref);

        P2.ExpectMsg(Ack(2, 6));
        Assert.Equal(6, (await StateOf(peer)).LastLogIndex);
    }

    [Fact]
    public async Task Snapshot_older_than_the_commit_index_changes_nothing()
    {
        // Reference: Raft paper §7 (a snapshot describing a prefix of the log the follower already has changes nothing);
        // Raft notes: ignore a snapshot older than what is applied
        var apply = CreateTestProbe();
        var peer = await StartFollowerWithFiveEntriesAsync(apply);

        peer.Tell(WholeSnapshot("n2", term: 1, index: 2, lastTerm: 1), P2.Ref);

        P2.ExpectMsg(ChunkResult(1, 2, State.Length, installed: true));
        apply.ExpectNoMsg(Quiet);
        var state = await StateOf(peer);
        Assert.Equal((0L, 5L, 3L, 3L), (state.SnapshotIndex, state.LastLogIndex, state.CommitIndex, state.LastApplied));
    }

    [Fact]
    public async Task Follower_refuses_install_snapshot_of_a_stale_term_with_its_newer_term()
    {
        // Reference: Raft paper Figure 13 (InstallSnapshot receiver step 1: reply immediately if term < currentTerm)
        var apply = CreateTestProbe();
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref });
        peer.Tell(Heartbeat("n3", term: 2), P3.Ref);
        P3.ExpectMsg(Ack(2, 0));

        peer.Tell(WholeSnapshot("n2", term: 1, index: 5, lastTerm: 1), P2.Ref);

        P2.ExpectMsg(ChunkResult(2, 5, nextOffset: 0, installed: false));
        apply.ExpectNoMsg(Quiet);
        Assert.Equal(0, (await StateOf(peer)).SnapshotIndex);
    }

    [Fact]
    public async Task Follower_keeps_the_log_suffix_after_a_snapshot_that_matches_it()
    {
        // Reference: Raft paper Figure 13 (step 6: if an existing entry has the snapshot's last included index and term,
        // retain the entries following it and reply)
        var apply = CreateTestProbe();
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref });
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1, 1, 1, 1), leaderCommit: 2), P2.Ref);
        P2.ExpectMsg(Ack(1, 5));
        AssertApplied(apply, 1, 2);

        peer.Tell(WholeSnapshot("n2", term: 1, index: 3, lastTerm: 1), P2.Ref);
        P2.ExpectMsg(ChunkResult(1, 3, State.Length, installed: true));

        var state = await StateOf(peer);
        Assert.Equal((3L, 5L), (state.SnapshotIndex, state.LastLogIndex));
        // The kept entries are the leader's: they commit and apply after the snapshot.
        peer.Tell(Heartbeat("n2", term: 1, prevLogIndex: 5, prevLogTerm: 1, leaderCommit: 5), P2.Ref);
        P2.ExpectMsg(Ack(1, 5));
        ExpectSnapshotInstalled(apply, index: 3, term: 1);
        AssertApplied(apply, 4, 5);
    }

    [Fact]
    public async Task Follower_discards_its_log_when_the_snapshot_does_not_match_it()
    {
        // Reference: Raft paper Figure 13 (step 7: discard the entire log), §7
        var peer = await StartPeerAsync();
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1, 1, 1, 1), leaderCommit: 1), P2.Ref);
        P2.ExpectMsg(Ack(1, 5));

        // n3, leader of term 2, snapshotted a log whose entry 3 is of term 2: entries 2..5 here are not its.
        peer.Tell(WholeSnapshot("n3", term: 2, index: 3, lastTerm: 2), P3.Ref);
        P3.ExpectMsg(ChunkResult(2, 3, State.Length, installed: true));

        var state = await StateOf(peer);
        Assert.Equal((3L, 3L), (state.SnapshotIndex, state.LastLogIndex));
        peer.Tell(Heartbeat("n3", term: 2, prevLogIndex: 3, prevLogTerm: 2), P3.Ref);
        P3.ExpectMsg(Ack(2, 3));
    }

    [Fact]
    public async Task Snapshot_from_the_state_machine_compacts_the_log()
    {
        // Reference: Raft paper §7 (each server snapshots its committed, applied entries independently and discards
        // the log up to the last included index)
        var apply = CreateTestProbe();
        var peer = await StartFollowerWithFiveEntriesAsync(apply);
        var before = await StateOf(peer);

        peer.Tell(new Snapshot(3, State));

        var after = await StateOf(peer);
        Assert.Equal(3, after.SnapshotIndex);
        Assert.Equal(5, after.LastLogIndex);
        Assert.True(after.LogBytes < before.LogBytes, $"log bytes {after.LogBytes} should be below {before.LogBytes}");
        // The entries after the snapshot still match the leader's.
        peer.Tell(Heartbeat("n2", term: 1, prevLogIndex: 5, prevLogTerm: 1, leaderCommit: 5), P2.Ref);
        P2.ExpectMsg(Ack(1, 5));
        AssertApplied(apply, 4, 5);
    }

    [Fact]
    public async Task Snapshot_from_the_state_machine_beyond_the_applied_index_is_ignored()
    {
        // Reference: Raft paper §7 (a snapshot covers only entries the state machine has applied)
        var apply = CreateTestProbe();
        var peer = await StartFollowerWithFiveEntriesAsync(apply);
        var before = await StateOf(peer);

        peer.Tell(new Snapshot(4, State));

        var after = await StateOf(peer);
        Assert.Equal(0, after.SnapshotIndex);
        Assert.Equal(before.LogBytes, after.LogBytes);
    }

    [Fact]
    public async Task Peer_recovers_from_its_snapshot_after_a_crash()
    {
        // Reference: Raft paper §7 (a restarted server reloads its snapshot into the state machine, then keeps the log
        // after it), Figure 2 (persistent state)
        var peer = await StartFollowerWithFiveEntriesAsync(CreateTestProbe());
        peer.Tell(new Snapshot(3, State));
        await AwaitStoredSnapshotAsync(peer);
        Crash(peer);

        var apply = CreateTestProbe();
        peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref });

        ExpectSnapshotInstalled(apply, index: 3, term: 1);
        apply.ExpectNoMsg(Quiet); // 4 and 5 are not known to be committed yet
        var state = await StateOf(peer);
        Assert.Equal((1L, 3L, 5L, 3L, 3L), (state.Term, state.SnapshotIndex, state.LastLogIndex, state.CommitIndex, state.LastApplied));
    }

    [Fact]
    public async Task Peer_recovers_entries_written_after_its_snapshot()
    {
        // Reference: Raft paper §7 and Figure 2 (entries are durable before they are acknowledged, also once the journal
        // before the snapshot is deleted)
        var peer = await StartFollowerWithFiveEntriesAsync(CreateTestProbe());
        peer.Tell(new Snapshot(3, State));
        await AwaitStoredSnapshotAsync(peer);
        Crash(peer);
        peer = await StartPeerAsync();
        peer.Tell(Append("n2", term: 1, prevLogIndex: 5, prevLogTerm: 1, Entries(6, 1, 1), leaderCommit: 7), P2.Ref);
        P2.ExpectMsg(Ack(1, 7));
        Crash(peer);

        var apply = CreateTestProbe();
        peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref });

        ExpectSnapshotInstalled(apply, index: 3, term: 1);
        var state = await StateOf(peer);
        Assert.Equal((3L, 7L), (state.SnapshotIndex, state.LastLogIndex));
    }

    [Fact]
    public async Task Leader_sends_a_compacted_prefix_as_install_snapshot_chunks()
    {
        // Reference: Raft paper §7 (the leader sends its snapshot to a follower that needs discarded entries),
        // Figure 13 (chunks at increasing offsets, done on the last one)
        var apply = CreateTestProbe();
        var peer = await StartLeaderAsync(new RaftActorOptions { ApplyTo = apply.Ref }, Settings().WithSnapshots(chunkBytes: 4));
        peer.Tell(new Propose(Command(1)), TestActor);
        ExpectMsg(new ProposeAccepted(1, 1));
        P2.ExpectMsg<AppendEntries>(ae => ae.Entries.Count == 1);
        peer.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 1, 0, 0, 0), P2.Ref);
        AssertApplied(apply, 1);
        peer.Tell(new Propose(Command(2)), TestActor);
        ExpectMsg(new ProposeAccepted(2, 1));
        peer.Tell(new Snapshot(1, State));
        Assert.Equal(1, (await StateOf(peer)).SnapshotIndex);

        // n3 never answered: at the next heartbeat the entry it needs is compacted.
        Advance(HeartbeatInterval);

        var first = ExpectSkippingAppends<InstallSnapshot>(P3);
        Assert.Equal((1L, 1L, 1L, 0L, false), (first.Term, first.LastIncludedIndex, first.LastIncludedTerm, first.Offset, first.Done));
        Assert.Equal(State[..4], first.Data);
        P3.ExpectNoMsg(Quiet); // one chunk at a time
        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 1, NextOffset: 4, Installed: false), P3.Ref);
        var second = P3.ExpectMsg<InstallSnapshot>();
        Assert.Equal((4L, false), (second.Offset, second.Done));
        Assert.Equal(State[4..8], second.Data);
        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 1, NextOffset: 8, Installed: false), P3.Ref);
        var last = P3.ExpectMsg<InstallSnapshot>();
        Assert.Equal((8L, true), (last.Offset, last.Done));
        Assert.Equal(State[8..], last.Data);
    }

    [Fact]
    public async Task Leader_resumes_append_entries_after_the_snapshot_once_installed()
    {
        // Reference: Raft paper §7 (after the snapshot, the follower's log continues from lastIncludedIndex + 1),
        // Figure 2 (nextIndex, matchIndex)
        var apply = CreateTestProbe();
        var peer = await StartLeaderAsync(new RaftActorOptions { ApplyTo = apply.Ref }, Settings().WithSnapshots(chunkBytes: 4));
        peer.Tell(new Propose(Command(1)), TestActor);
        ExpectMsg(new ProposeAccepted(1, 1));
        P2.ExpectMsg<AppendEntries>(ae => ae.Entries.Count == 1);
        peer.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 1, 0, 0, 0), P2.Ref);
        AssertApplied(apply, 1);
        peer.Tell(new Propose(Command(2)), TestActor);
        ExpectMsg(new ProposeAccepted(2, 1));
        peer.Tell(new Snapshot(1, State));
        Advance(HeartbeatInterval);
        ExpectSkippingAppends<InstallSnapshot>(P3);

        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 1, NextOffset: State.Length, Installed: true), P3.Ref);

        var append = P3.ExpectMsg<AppendEntries>();
        Assert.Equal((1L, 1L), (append.PrevLogIndex, append.PrevLogTerm));
        Assert.Equal(new[] { 2L }, append.Entries.Select(e => e.Index));
    }

    [Fact]
    public async Task Peer_asks_its_state_machine_for_a_snapshot_once_the_log_exceeds_the_threshold()
    {
        // Reference: Raft paper §7 (a server snapshots when its log reaches a fixed size)
        var apply = CreateTestProbe();
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref }, Settings().WithSnapshots(logEntries: 5));
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1, 1, 1, 1), leaderCommit: 5), P2.Ref);
        P2.ExpectMsg(Ack(1, 5));
        AssertApplied(apply, 1, 2, 3, 4, 5);
        apply.ExpectNoMsg(Quiet); // 5 entries: not more than the threshold

        peer.Tell(Append("n2", term: 1, prevLogIndex: 5, prevLogTerm: 1, Entries(6, 1), leaderCommit: 6), P2.Ref);
        P2.ExpectMsg(Ack(1, 6));

        AssertApplied(apply, 6);
        apply.ExpectMsg(new SnapshotRequested("n1", 6));
    }

    [Fact]
    public async Task Peer_asks_for_a_snapshot_once_its_persisted_state_exceeds_log_bytes()
    {
        // Reference: Raft paper §7; the lab's maxraftstate counts the whole persisted Raft state, not only the
        // commands. Here each entry is an 8-byte command plus 12 bytes of index, term and length, on top of 16 bytes
        // of term and vote: 4 entries hold 96 bytes, 5 hold 116, though their commands alone are only 40.
        var apply = CreateTestProbe();
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref }, Settings().WithSnapshots(logBytes: 100));
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1, 1, 1), leaderCommit: 4), P2.Ref);
        P2.ExpectMsg(Ack(1, 4));
        AssertApplied(apply, 1, 2, 3, 4);
        apply.ExpectNoMsg(Quiet); // 96 bytes: not more than the threshold

        peer.Tell(Append("n2", term: 1, prevLogIndex: 4, prevLogTerm: 1, Entries(5, 1), leaderCommit: 5), P2.Ref);
        P2.ExpectMsg(Ack(1, 5));

        AssertApplied(apply, 5);
        apply.ExpectMsg(new SnapshotRequested("n1", 5));
    }
}
