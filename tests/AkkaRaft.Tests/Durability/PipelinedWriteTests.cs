using System.Diagnostics;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Durability;

/// <summary>
/// A peer keeps reading its mailbox while its entries are being written, and journals what arrives meanwhile in the
/// next write. Rule: nothing that depends on an entry is said before the entry is durable (Raft paper Figure 2,
/// "Persistent state ... updated on stable storage before responding to RPCs").
/// </summary>
public sealed class PipelinedWriteTests(ITestOutputHelper output) : TestJournalKit(output)
{
    /// <summary>n1 following n2 at term 3 with entry 1 durable.</summary>
    private async Task<IActorRef> FollowerAtTerm3()
    {
        var peer = await N1.Start();
        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 0, prevTerm: 0, commit: 0, (1, 3)));
        N1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 1));
        return peer;
    }

    [Fact]
    public async Task Appends_arriving_during_a_write_are_each_acknowledged_only_once_durable()
    {
        var peer = await FollowerAtTerm3();
        await Journal.OnWrite.PassWithDelay(WriteDelay);

        // A pipelining leader's next three messages, sent before the first is answered.
        var sinceRequest = Stopwatch.StartNew();
        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 1, prevTerm: 3, commit: 1, (2, 3)));
        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 2, prevTerm: 3, commit: 1, (3, 3)));
        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 3, prevTerm: 3, commit: 1, (4, 3)));

        foreach (var match in new long[] { 2, 3, 4 })
        {
            N1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == match && r.Term == 3), TimeSpan.FromSeconds(10));
            AssertNotBefore(sinceRequest, $"the acknowledgement of index {match}");
        }

        await Journal.OnWrite.Pass();
        await N1.Crash(peer);
        Assert.Equal(4, (await SinglePeer.State(await N1.Start())).LastLogIndex);
    }

    /// <summary>Holds every journal write until <see cref="Open"/>.</summary>
    private sealed class WriteGate : IJournalInterceptor
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _open.TrySetResult();

        public Task InterceptAsync(IPersistentRepresentation message) => _open.Task;
    }

    [Fact]
    public async Task A_heartbeat_behind_an_unwritten_append_is_answered_at_once_for_the_durable_entries_only()
    {
        // Reference: Raft paper Figure 2 (entries durable before responding); etcd answers heartbeats apart from
        // storage, so a stalled disk does not silence a follower towards its leader's quorum check.
        var peer = await FollowerAtTerm3();
        var gate = new WriteGate();
        await Journal.OnWrite.SetInterceptorAsync(gate);

        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 1, prevTerm: 3, commit: 1, (2, 3)));
        // Matches at index 2 only through the entry still being written: "I hold 2" must wait for that write, but the
        // leader hears at once that n1 follows it and holds entry 1, which is durable.
        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 2, prevTerm: 3, commit: 1));
        N1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 1 && r.Term == 3), TimeSpan.FromSeconds(10));

        gate.Open();
        N1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 2), TimeSpan.FromSeconds(10));
        await N1.Crash(peer);
        Assert.Equal(2, (await SinglePeer.State(await N1.Start())).LastLogIndex);
    }

    [Fact]
    public async Task A_snapshot_taken_while_an_append_is_written_recovers_to_the_same_log()
    {
        // Reference: Raft paper §7 (the snapshot replaces the log prefix it covers; the rest of the log follows it).
        var peer = await FollowerAtTerm3();
        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 1, prevTerm: 3, commit: 3, (2, 3), (3, 3)));
        N1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 3));
        await Journal.OnWrite.PassWithDelay(WriteDelay);

        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 3, prevTerm: 3, commit: 3, (4, 3)));
        peer.Tell(new Snapshot(3, [3])); // as the state machine would, with entry 4 still being written
        N1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 4), TimeSpan.FromSeconds(10));
        await Journal.OnWrite.Pass();
        var store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        await AwaitAssertAsync(async () =>
        {
            var loaded = await store.Ask<LoadSnapshotResult>(new LoadSnapshot(RaftActor.PersistenceIdFor(SinglePeer.ClusterId, "n1"), SnapshotSelectionCriteria.Latest, long.MaxValue));
            Assert.NotNull(loaded.Snapshot);
        }, TimeSpan.FromSeconds(10));

        await N1.Crash(peer);
        var state = await SinglePeer.State(await N1.Start());
        Assert.Equal(3, state.SnapshotIndex);
        Assert.Equal(4, state.LastLogIndex);
    }

    [Fact]
    public async Task A_leader_counts_its_own_entry_only_once_it_is_durable()
    {
        // Reference: Raft thesis §10.2.1 (the leader may send entries before writing them, but counts itself in the
        // majority only once they are on its own disk).
        var applied = CreateTestProbe("applied");
        var settings = N1.Settings
            .WithHeartbeatInterval(TimeSpan.FromMilliseconds(100))
            .WithElectionTimeout(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300));
        var leader = Sys.ActorOf(RaftActor.Props(settings, N1.Routes, new RaftActorOptions { ApplyTo = applied.Ref }), "n1-leader");
        var vote = N1.N2.FishForMessage<RequestVote>(_ => true, TimeSpan.FromSeconds(10));
        leader.Tell(new RequestVoteResult(SinglePeer.ClusterId, "n2", vote.Term, VoteGranted: true), N1.N2.Ref);
        await AwaitAssertAsync(async () => Assert.Equal(RaftRole.Leader, (await SinglePeer.State(leader)).Role));

        await Journal.OnWrite.PassWithDelay(WriteDelay);
        var sinceRequest = Stopwatch.StartNew();
        leader.Tell(new Propose([7]), TestActor);
        ExpectMsg<ProposeAccepted>(a => Assert.Equal(1, a.Index));
        var append = N1.N2.FishForMessage<AppendEntries>(ae => ae.Entries.Count > 0, TimeSpan.FromSeconds(5));
        leader.Tell(new AppendEntriesResult(SinglePeer.ClusterId, "n2", append.Term, true, append.LastIndex, 0, 0, 0) { Round = append.Round }, N1.N2.Ref);

        // The leader and n2 are a majority of three, but the leader's copy is not yet durable: nothing commits before it is.
        applied.ExpectMsg<Applied>(a => Assert.Equal(1, a.Index), TimeSpan.FromSeconds(10));
        AssertNotBefore(sinceRequest, "the commit of index 1");
    }
}
