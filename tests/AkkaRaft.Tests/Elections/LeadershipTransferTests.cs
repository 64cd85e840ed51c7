using AkkaRaft.Actors;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Elections;

/// <summary>Leadership transfer across a whole cluster on real time (Raft thesis §3.10).</summary>
[Collection(TimingCollection.Name)]
public sealed class LeadershipTransferTests : Akka.TestKit.Xunit2.TestKit
{
    public LeadershipTransferTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) { }

    /// <summary>Asks peer <paramref name="from"/> to hand leadership to <paramref name="to"/>, and waits until it has.</summary>
    private async Task<long> TransferAsync(RaftCluster cluster, int from, int to)
    {
        cluster.Peer(from)!.Tell(new TransferLeadership(RaftCluster.Id(to)), TestActor);
        ExpectMsg(new TransferLeadershipStarted(RaftCluster.Id(from), RaftCluster.Id(to)));
        var term = 0L;
        await AwaitAssertAsync(async () =>
        {
            var state = await cluster.Peer(to)!.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(3));
            Assert.True(state.IsLeader, $"{RaftCluster.Id(to)} is {state.Role} at term {state.Term}");
            term = state.Term;
        }, cluster.ElectionTimeout * 2, TimeSpan.FromMilliseconds(20));
        Assert.Equal(to, await cluster.CheckOneLeader());
        return term;
    }

    [Fact]
    public async Task Leadership_moves_to_the_chosen_voter_and_back_with_every_committed_entry()
    {
        // Reference: Raft thesis §3.10 (transfer to a chosen server; the new leader holds every committed entry)
        using var cluster = new RaftCluster(Sys, 3);
        var first = await cluster.CheckOneLeader();
        var target = (first + 1) % 3;
        var before = await cluster.One([1], 3, retry: true);

        var term1 = await TransferAsync(cluster, first, target);
        var during = await cluster.One([2], 3, retry: true);
        var term2 = await TransferAsync(cluster, target, first);
        var after = await cluster.One([3], 3, retry: true);

        Assert.True(term1 < term2, $"the transfer back ran at term {term2}, not after {term1}");
        Assert.True(before < during && during < after, $"indexes {before}, {during}, {after}: committed entries were lost or reordered");
    }

    [Fact]
    public async Task Leadership_moves_to_a_voter_that_needs_the_leaders_snapshot_first()
    {
        // Reference: Raft thesis §3.10 (the leader brings the target's log up to date before it campaigns) and Raft paper
        // §7 (entries the leader compacted reach a follower only as its snapshot)
        // Long election timeouts: the attempt, snapshot and catch-up included, must finish within one, on a busy machine too.
        using var cluster = new RaftCluster(Sys, 3, snapshotEvery: 5, tune: s => s.WithElectionTimeout(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)));
        var first = await cluster.CheckOneLeader();
        var target = (first + 1) % 3;
        await cluster.One(1, 3, retry: true);
        cluster.Disconnect(target);
        var last = 0L;
        for (var command = 2; command <= 12; command++) last = await cluster.One(command, 2, retry: true);
        var leader = await cluster.CheckOneLeader();
        var behind = (await cluster.GetState(target))!.LastLogIndex;
        await AwaitAssertAsync(async () =>
        {
            var state = (await cluster.GetState(leader))!;
            Assert.True(state.SnapshotIndex > behind, $"{RaftCluster.Id(leader)} compacted only up to {state.SnapshotIndex}; {RaftCluster.Id(target)} holds up to {behind}");
            Assert.True(state.LastLogIndex > state.SnapshotIndex, $"{RaftCluster.Id(leader)} has no entry after its snapshot at {state.SnapshotIndex}");
        }, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(20));

        // Asked while the target is still cut off: the leader must first catch it up through the snapshot.
        cluster.Peer(leader)!.Tell(new TransferLeadership(RaftCluster.Id(target)), TestActor);
        ExpectMsg(new TransferLeadershipStarted(RaftCluster.Id(leader), RaftCluster.Id(target)));
        cluster.Connect(target);

        await AwaitAssertAsync(async () =>
        {
            var state = (await cluster.GetState(target))!;
            Assert.True(state.IsLeader, $"{RaftCluster.Id(target)} is {state.Role} at term {state.Term}");
        }, cluster.ElectionTimeout * 2, TimeSpan.FromMilliseconds(20));
        Assert.Equal(target, await cluster.CheckOneLeader());
        var next = await cluster.One(13, 3, retry: true);
        Assert.True(next > last, $"index {next} after {last}: committed entries were lost");
        for (var index = 1L; index <= last; index++) Assert.Equal(3, cluster.NCommitted(index).Count);
        Assert.True((await cluster.GetState(target))!.SnapshotIndex > behind, $"{RaftCluster.Id(target)} leads without the snapshot");
        cluster.ThrowIfApplyErrors();
    }
}
