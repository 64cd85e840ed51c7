using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Lab;

/// <summary>
/// Whole clusters over the simulated network on virtual time: a peer cut off and healed, with pre-vote, check-quorum
/// or neither of them on some peers (Raft thesis §9.6). Time moves only when a scenario runs it, in small steps, each
/// followed by <see cref="RaftCluster.Settle"/> so the messages of that step are handled before the next.
/// </summary>
public sealed class DisruptionTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    public DisruptionTests(ITestOutputHelper output) : base(HarnessConfig.VirtualTime, output: output) { }

    /// <summary>Runs virtual time for <paramref name="span"/>, letting each step's messages be handled.</summary>
    private async Task<RaftState[]> Run(RaftCluster cluster, TimeSpan span)
    {
        for (var t = TimeSpan.Zero; t < span; t += Step)
        {
            ((TestScheduler)Sys.Scheduler).Advance(Step);
            await cluster.Settle();
        }
        return (await Task.WhenAll(Enumerable.Range(0, cluster.N).Select(cluster.GetState)))!;
    }

    /// <summary>The one leader among the connected peers, all of which are in its term.</summary>
    private static RaftState SettledLeader(RaftCluster cluster, RaftState[] states)
    {
        var connected = states.Where((_, i) => cluster.IsConnected(i)).ToArray();
        var leader = Assert.Single(connected, s => s.IsLeader);
        Assert.All(connected, s => Assert.Equal(leader.Term, s.Term));
        return leader;
    }

    [Fact]
    public async Task A_follower_cut_off_and_healed_neither_deposes_the_leader_nor_raises_the_term()
    {
        // Reference: Raft thesis §9.6 (pre-vote: a server that rejoins does not disrupt the cluster)
        using var cluster = new RaftCluster(Sys, 3);
        var leader = SettledLeader(cluster, await Run(cluster, TimeSpan.FromSeconds(2)));
        var follower = Enumerable.Range(0, 3).First(i => RaftCluster.Id(i) != leader.PeerId);

        cluster.Disconnect(follower);
        var apart = await Run(cluster, TimeSpan.FromSeconds(3));
        Assert.Equal(leader.Term, apart[follower].Term); // pre-candidate rounds raise no term
        cluster.Connect(follower);
        var healed = SettledLeader(cluster, await Run(cluster, TimeSpan.FromSeconds(1)));

        Assert.Equal((leader.PeerId, leader.Term), (healed.PeerId, healed.Term));
    }

    [Fact]
    public async Task A_candidate_that_raised_its_term_while_cut_off_is_freed_and_the_cluster_keeps_a_leader()
    {
        // Reference: Raft thesis §9.6 and §4.2.3: without pre-vote a cut-off peer raises its term; under check-quorum the
        // others ignore its vote requests, and its answer to the leader's heartbeat brings the term up so all move on
        using var cluster = new RaftCluster(Sys, 3, tune: s => s.WithPreVote(false).WithCheckQuorum(true));
        var leader = SettledLeader(cluster, await Run(cluster, TimeSpan.FromSeconds(2)));
        var leaderIndex = RaftCluster.IndexOf(leader.PeerId);
        var stuck = (leaderIndex + 1) % 3;

        cluster.Disconnect(stuck);
        await cluster.Propose(leaderIndex, RaftCluster.Cmd(1)); // the others' logs move ahead of the stuck peer's
        var apart = await Run(cluster, TimeSpan.FromSeconds(3));
        Assert.True(apart[stuck].Term > leader.Term + 2, $"the cut-off candidate should have raised its term, is at {apart[stuck].Term}");
        Assert.Equal(RaftRole.Candidate, apart[stuck].Role);
        cluster.Connect(stuck);
        var healed = await Run(cluster, TimeSpan.FromSeconds(4));

        var now = SettledLeader(cluster, healed);
        Assert.NotEqual(RaftCluster.Id(stuck), now.PeerId); // its log is behind: it cannot win (§5.4.1)
        Assert.Equal((RaftRole.Follower, now.PeerId), (healed[stuck].Role, healed[stuck].LeaderId));
    }

    [Fact]
    public async Task A_cluster_mixing_pre_vote_on_and_off_elects_a_leader_and_a_peer_with_a_stale_term_catches_up()
    {
        // Reference: Raft thesis §9.6: pre-vote refusals carry the newer term, so a mixed cluster (as during a rolling
        // change of the setting) still elects, and a pre-candidate behind that term adopts it
        using var cluster = new RaftCluster(Sys, 3, tunePeer: (i, s) => s.WithPreVote(i != 0));
        var first = SettledLeader(cluster, await Run(cluster, TimeSpan.FromSeconds(2)));
        var leaderIndex = RaftCluster.IndexOf(first.PeerId);

        // Two peers cut off, each alone, n1 (without pre-vote) among them unless it leads: n1 raises its term, a peer with
        // pre-vote does not, and the leader left without a majority steps down. Healed, the terms must meet again.
        var apartPair = leaderIndex == 0 ? new[] { 1, 2 } : new[] { 0, 3 - leaderIndex };
        foreach (var i in apartPair) cluster.Disconnect(i);
        await Run(cluster, TimeSpan.FromSeconds(2));
        foreach (var i in apartPair) cluster.Connect(i);
        var healed = await Run(cluster, TimeSpan.FromSeconds(5));

        var now = SettledLeader(cluster, healed);
        Assert.True(now.Term >= first.Term);
    }
}
