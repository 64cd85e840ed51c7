using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Metrics;

/// <summary>
/// The AkkaRaft meter as a three-peer group on the simulated network and virtual time reports it: gauges tagged with
/// the group and node, a leader change counted on failover, and a proposal timed from acceptance to commit.
/// </summary>
public sealed class RaftMetricsTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    public RaftMetricsTests(ITestOutputHelper output) : base(HarnessConfig.VirtualTime, output: output) { }

    private async Task Run(RaftCluster cluster, TimeSpan span)
    {
        for (var t = TimeSpan.Zero; t < span; t += Step)
        {
            ((TestScheduler)Sys.Scheduler).Advance(Step);
            await cluster.Settle();
        }
    }

    /// <summary>Runs virtual time until the connected peers agree on one leader, and returns its state.</summary>
    private async Task<RaftState> AgreedLeader(RaftCluster cluster, int within = 5)
    {
        for (var second = 0; second < within * 10; second++)
        {
            await Run(cluster, TimeSpan.FromMilliseconds(100));
            var states = (await Task.WhenAll(Enumerable.Range(0, cluster.N).Where(cluster.IsConnected).Select(cluster.GetState))).OfType<RaftState>().ToArray();
            if (states.Count(s => s.IsLeader) == 1 && states.All(s => s.LeaderId == states.Single(l => l.IsLeader).PeerId))
                return states.Single(s => s.IsLeader);
        }
        throw new Xunit.Sdk.XunitException($"no agreed leader within {within} s of virtual time");
    }

    private RaftCluster NewCluster() => new(Sys, 3, clock: new SchedulerTimeProvider(Sys.Scheduler));

    [Fact]
    public async Task Gauges_report_term_role_and_commit_index_of_every_peer_tagged_with_group_and_node()
    {
        using var cluster = NewCluster();
        using var metrics = new MetricsRecorder(cluster.Settings.ClusterId);
        var leader = await AgreedLeader(cluster);
        var ids = Enumerable.Range(0, 3).Select(RaftCluster.Id).ToArray();

        var terms = metrics.Gauge("raft.term");
        Assert.Equal(ids.Order(), terms.Keys.Order());
        Assert.All(terms.Values, term => Assert.Equal(leader.Term, term));
        var roles = metrics.Gauge("raft.role");
        Assert.All(ids, id => Assert.Equal(id == leader.PeerId ? (double)RaftRole.Leader : (double)RaftRole.Follower, roles[id]));
        Assert.All(metrics.Gauge("raft.leader.known").Values, known => Assert.Equal(1, known));
        Assert.All(metrics.Of("raft.term"), r => Assert.Equal(cluster.Settings.ClusterId, r.Tag(RaftMetrics.GroupTag)));

        Assert.IsType<ProposeAccepted>(await cluster.Propose(RaftCluster.IndexOf(leader.PeerId), RaftCluster.Cmd(7)));
        await Run(cluster, TimeSpan.FromMilliseconds(300));
        var state = (await cluster.GetState(RaftCluster.IndexOf(leader.PeerId)))!;
        Assert.True(state.CommitIndex >= 1, $"the proposal should have committed, commit index {state.CommitIndex}");
        var commits = metrics.Gauge("raft.log.commit_index");
        Assert.All(ids, id => Assert.Equal(state.CommitIndex, commits[id]));
        Assert.Equal(state.CommitIndex, metrics.Gauge("raft.log.applied_index")[leader.PeerId]);

        // The leader's followers are caught up: no lag, one measurement per follower.
        var lags = metrics.Observe("raft.follower.lag");
        Assert.Equal(ids.Where(id => id != leader.PeerId).Order(), lags.Select(r => r.Tag(RaftMetrics.FollowerTag)).Order());
        Assert.All(lags, r => Assert.Equal((leader.PeerId, 0.0), (r.Tag(RaftMetrics.NodeTag), r.Value)));
    }

    [Fact]
    public async Task A_proposal_is_counted_committed_and_timed_from_acceptance_to_commit()
    {
        using var cluster = NewCluster();
        using var metrics = new MetricsRecorder(cluster.Settings.ClusterId);
        var leader = await AgreedLeader(cluster);
        var follower = Enumerable.Range(0, 3).First(i => RaftCluster.Id(i) != leader.PeerId);

        Assert.IsType<ProposeAccepted>(await cluster.Propose(RaftCluster.IndexOf(leader.PeerId), RaftCluster.Cmd(1)));
        Assert.IsType<NotLeader>(await cluster.Propose(follower, RaftCluster.Cmd(2)));
        await Run(cluster, TimeSpan.FromMilliseconds(300));

        var durations = metrics.Of("raft.proposal.commit.duration");
        var duration = Assert.Single(durations);
        Assert.Equal(leader.PeerId, duration.Tag(RaftMetrics.NodeTag));
        Assert.True(duration.Value >= 0);
        Assert.Equal(1, metrics.Total("raft.proposals", leader.PeerId, r => r.Tag("raft.proposal.result") == "committed"));
        Assert.Equal(1, metrics.Total("raft.proposals", RaftCluster.Id(follower), r => r.Tag("raft.proposal.result") == "not_leader"));
        Assert.NotEmpty(metrics.Of("raft.journal.write.duration"));
    }

    [Fact]
    public async Task A_new_leader_after_the_old_one_is_cut_off_is_counted_as_a_leader_change_and_an_election_won()
    {
        // Reference: Raft §5.2: the survivors elect a new leader in a newer term
        using var cluster = NewCluster();
        using var metrics = new MetricsRecorder(cluster.Settings.ClusterId);
        var first = await AgreedLeader(cluster);
        var survivors = Enumerable.Range(0, 3).Select(RaftCluster.Id).Where(id => id != first.PeerId).ToArray();
        var before = survivors.ToDictionary(id => id, id => metrics.Total("raft.leader.changes", id));
        Assert.All(before.Values, changes => Assert.Equal(1, changes)); // each learned of the first leader

        cluster.Disconnect(RaftCluster.IndexOf(first.PeerId));
        var second = await AgreedLeader(cluster);
        Assert.NotEqual(first.PeerId, second.PeerId);

        Assert.All(survivors, id => Assert.Equal(before[id] + 1, metrics.Total("raft.leader.changes", id)));
        Assert.Equal(1, metrics.Total("raft.elections", second.PeerId, r => r.Tag("raft.election.pre_vote") == "False" && r.Tag("raft.election.outcome") == "won"));
        Assert.True(metrics.Total("raft.heartbeat.failures", first.PeerId) >= 1, "the cut-off leader should have counted unanswered heartbeats");
    }

    [Fact]
    public async Task A_stopped_peer_s_gauges_disappear()
    {
        using var cluster = NewCluster();
        using var metrics = new MetricsRecorder(cluster.Settings.ClusterId);
        await AgreedLeader(cluster);
        Assert.Equal(3, metrics.Gauge("raft.term").Count);

        await cluster.Crash(2);

        Assert.Equal(["n1", "n2"], metrics.Gauge("raft.term").Keys.Order());
    }
}
