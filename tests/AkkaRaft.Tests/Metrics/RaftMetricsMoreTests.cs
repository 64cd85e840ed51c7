using AkkaRaft.Actors;
using AkkaRaft.TestKit;
using AkkaRaft.Tests.GroupMembership;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Metrics;

/// <summary>
/// The AkkaRaft meter's counters and histograms for membership changes, leadership transfers, snapshots, unanswered
/// heartbeats, follower lag and pre-vote rounds, each driven on the simulated network and virtual time and read from the
/// measurements of the test's own group.
/// </summary>
public sealed class RaftMetricsMoreTests(ITestOutputHelper output) : MembershipTest(output)
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(100); // reference.conf

    private const string Changes = "raft.membership.changes";
    private const string Transfers = "raft.leadership.transfers";

    private static Func<MetricsRecorder.Recorded, bool> Where(string key, string value) => r => r.Tag(key) == value;

    private static Func<MetricsRecorder.Recorded, bool> Change(string change, string result) =>
        r => r.Tag("raft.membership.change") == change && r.Tag("raft.membership.result") == result;

    [Fact]
    public async Task A_committed_membership_change_and_one_refused_while_it_is_pending_are_counted_by_kind_and_result()
    {
        // Reference: Raft thesis §4.1: one configuration change at a time
        NewCluster(4, 3);
        using var metrics = new MetricsRecorder(Cluster.Settings.ClusterId);
        var l = await Leader();
        await Commit(l, 1, 3);
        var followers = Others(3, l);
        // Cut off from its followers, the leader cannot commit the first change before the second is asked.
        foreach (var f in followers) Cluster.Disconnect(f);

        var first = Cluster.Peer(l)!.Ask<object>(Cluster.AddLearnerRequest(3), TimeSpan.FromSeconds(60));
        var second = await AskNow(l, Cluster.AddLearnerRequest(3)); // the first is appended, not yet committed
        Assert.Equal(MembershipRefusalReason.ChangeInProgress, Assert.IsType<MembershipChangeRefused>(second).Reason);
        Assert.IsType<NotLeader>(await AskNow(followers[0], Cluster.AddLearnerRequest(3))); // not the leader's to count
        foreach (var f in followers) Cluster.Connect(f);
        await RunUntil(() => Task.FromResult(first.IsCompleted), TimeSpan.FromSeconds(5), "the first change answered");
        Assert.IsType<MembershipChanged>(await first);
        await Run(TimeSpan.FromMilliseconds(300));

        var leader = RaftCluster.Id(l);
        Assert.Equal(1, metrics.Total(Changes, leader, Change("add_learner", "committed")));
        Assert.Equal(1, metrics.Total(Changes, leader, Change("add_learner", "refused")));
        Assert.Equal(2, metrics.Of(Changes).Sum(r => r.Value)); // nothing else, on any peer
    }

    [Fact]
    public async Task A_transfer_to_a_caught_up_follower_is_counted_handed_over_once()
    {
        // Reference: Raft thesis §3.10
        NewCluster(3, 3);
        using var metrics = new MetricsRecorder(Cluster.Settings.ClusterId);
        var l = await Leader();
        await Commit(l, 1, 3);
        var target = Others(3, l)[0];

        Assert.IsType<TransferLeadershipStarted>(await AskNow(l, new TransferLeadership(RaftCluster.Id(target))));
        await RunUntil(async () => (await Cluster.GetState(target))!.IsLeader, ElectionTimeout, $"{RaftCluster.Id(target)} leads");
        Assert.Equal(target, await Leader());
        await Run(ElectionTimeout * 2); // past the attempt's deadline: it must not be counted again as timed out

        Assert.Equal(1, metrics.Total(Transfers, RaftCluster.Id(l), Where("raft.transfer.outcome", "handed_over")));
        Assert.Equal(1, metrics.Of(Transfers).Sum(r => r.Value));
    }

    [Fact]
    public async Task A_transfer_to_an_unknown_peer_is_counted_refused_and_one_to_a_cut_off_voter_timed_out()
    {
        // Reference: Raft thesis §3.10: an attempt that does not end within an election timeout is abandoned
        NewCluster(3, 3);
        using var metrics = new MetricsRecorder(Cluster.Settings.ClusterId);
        var l = await Leader();
        await Commit(l, 1, 3);
        var target = Others(3, l)[0];
        var leader = RaftCluster.Id(l);

        Assert.IsType<TransferLeadershipRefused>(await AskNow(l, new TransferLeadership("n9")));
        Assert.Equal(1, metrics.Total(Transfers, leader, Where("raft.transfer.outcome", "refused")));

        Cluster.Disconnect(target);
        await Commit(l, 2, 2); // the target falls behind, so it never gets TimeoutNow
        Assert.IsType<TransferLeadershipStarted>(await AskNow(l, new TransferLeadership(RaftCluster.Id(target))));
        await Run(ElectionTimeout * 2);

        Assert.True((await Cluster.GetState(l))!.IsLeader, "the leader should keep leading after the attempt failed");
        Assert.Equal(1, metrics.Total(Transfers, leader, Where("raft.transfer.outcome", "timed_out")));
        Assert.Equal(2, metrics.Of(Transfers).Sum(r => r.Value));
    }

    [Fact]
    public async Task A_snapshot_taken_on_the_leader_records_one_create_duration()
    {
        // Reference: Raft §7: each server compacts its log independently
        NewCluster(3, 3, leaderNoOp: false, snapshotEvery: 5);
        using var metrics = new MetricsRecorder(Cluster.Settings.ClusterId);
        var l = await Leader();
        for (var v = 1; v <= 5; v++) await Commit(l, v, 3);
        var leader = RaftCluster.Id(l);
        await RunUntil(() => Task.FromResult(metrics.Of("raft.snapshot.create.duration").Any(r => r.Tag(RaftMetrics.NodeTag) == leader)),
            TimeSpan.FromSeconds(2), "the leader's snapshot saved");
        await Run(TimeSpan.FromMilliseconds(300));

        var created = Assert.Single(metrics.Of("raft.snapshot.create.duration"), r => r.Tag(RaftMetrics.NodeTag) == leader);
        Assert.True(created.Value >= 0, $"a duration of {created.Value} s");
        Assert.Equal(5, (await Cluster.GetState(l))!.SnapshotIndex);
        Assert.Empty(metrics.Of("raft.snapshot.install.duration")); // every peer took its own
    }

    [Fact]
    public async Task A_follower_brought_up_to_date_by_the_leaders_snapshot_records_one_install_duration()
    {
        // Reference: Raft §7: InstallSnapshot for a follower that lags behind the leader's compacted log
        NewCluster(3, 3, leaderNoOp: false, snapshotEvery: 5);
        using var metrics = new MetricsRecorder(Cluster.Settings.ClusterId);
        var l = await Leader();
        var behind = Others(3, l)[0];
        Cluster.Disconnect(behind);
        long last = 0;
        for (var v = 1; v <= 6; v++) last = await Commit(l, v, 2);
        await RunUntil(async () => (await Cluster.GetState(l))!.SnapshotIndex >= 5, TimeSpan.FromSeconds(2), "the leader compacted its log");
        Assert.Empty(metrics.Of("raft.snapshot.install.duration"));

        Cluster.Connect(behind);
        await RunUntil(() => Task.FromResult(Cluster.NCommitted(last).Count == 3), TimeSpan.FromSeconds(5), $"{RaftCluster.Id(behind)} caught up");
        await Run(TimeSpan.FromMilliseconds(300));

        var installed = Assert.Single(metrics.Of("raft.snapshot.install.duration"));
        Assert.Equal(RaftCluster.Id(behind), installed.Tag(RaftMetrics.NodeTag));
        Assert.True(installed.Value >= 0, $"a duration of {installed.Value} s");
    }

    [Fact]
    public async Task A_cut_off_follower_costs_the_leader_a_heartbeat_failure_per_interval_and_its_lag_grows_with_each_proposal()
    {
        // Reference: Raft §5.3: the leader retries AppendEntries to a follower that does not answer
        NewCluster(3, 3);
        using var metrics = new MetricsRecorder(Cluster.Settings.ClusterId);
        var l = await Leader();
        await Commit(l, 1, 3);
        var cut = RaftCluster.Id(Others(3, l)[0]);
        var kept = RaftCluster.Id(Others(3, l)[1]);
        var leader = RaftCluster.Id(l);
        double Failures(string follower) => metrics.Total("raft.heartbeat.failures", leader, Where(RaftMetrics.FollowerTag, follower));
        double Lag(string follower) => metrics.Observe("raft.follower.lag").Single(r => r.Tag(RaftMetrics.FollowerTag) == follower).Value;
        var before = (Cut: Failures(cut), Kept: Failures(kept));
        Assert.Equal((0.0, 0.0), (Lag(cut), Lag(kept)));

        Cluster.Disconnect(RaftCluster.IndexOf(cut));
        var span = TimeSpan.FromSeconds(1);
        await Run(span);

        // The first tick after the cut may still see the answer to the tick before it; every later one counts.
        var ticks = (int)(span / HeartbeatInterval);
        var counted = Failures(cut) - before.Cut;
        Assert.InRange(counted, ticks - 1, ticks);
        // The connected follower answers every heartbeat; one answer late on real time (a slow journal write) is tolerated.
        Assert.InRange(Failures(kept) - before.Kept, 0, 1);
        Assert.All(metrics.Of("raft.heartbeat.failures"), r => Assert.Equal(leader, r.Tag(RaftMetrics.NodeTag)));

        for (var v = 1; v <= 3; v++)
        {
            await Commit(l, 10 + v, 2);
            Assert.Equal((v, 0.0), (Lag(cut), Lag(kept)));
        }
    }

    [Fact]
    public async Task An_isolated_peer_s_pre_vote_rounds_are_counted_timed_out_and_the_last_one_lost_once_it_hears_the_leader()
    {
        // Reference: Raft thesis §9.6: a partitioned server's pre-vote rounds fail, so it never disrupts the group's term
        NewCluster(3, 3);
        using var metrics = new MetricsRecorder(Cluster.Settings.ClusterId);
        var l = await Leader();
        var isolated = Others(3, l)[0];
        var id = RaftCluster.Id(isolated);
        var term = (await Cluster.GetState(l))!.Term;
        // The peer may have campaigned in the first election: only what it counts from here on is its own isolation's.
        var before = metrics.Of("raft.elections").Count;

        Cluster.Disconnect(isolated);
        await Run(ElectionTimeout * 5);
        Assert.Equal(RaftRole.PreCandidate, (await Cluster.GetState(isolated))!.Role);
        var rounds = metrics.Of("raft.elections").Skip(before).ToList();
        Assert.True(rounds.Count >= 4, $"a pre-vote round should have started at least every {ElectionTimeout.TotalMilliseconds} ms; {rounds.Count} ended");
        Assert.All(rounds, r => Assert.Equal((id, "True", "timed_out"), (r.Tag(RaftMetrics.NodeTag), r.Tag("raft.election.pre_vote"), r.Tag("raft.election.outcome"))));

        Cluster.Connect(isolated);
        await RunUntil(async () => (await Cluster.GetState(isolated))!.LeaderId == RaftCluster.Id(l), ElectionTimeout, $"{id} follows the leader again");
        await Run(ElectionTimeout);

        Assert.Equal(term, (await Cluster.GetState(l))!.Term);
        // A round may still time out between the reconnection and the leader's next heartbeat; the round under way
        // when the peer hears the leader ends lost, and nothing was won anywhere.
        var after = metrics.Of("raft.elections").Skip(before + rounds.Count)
            .Select(r => (r.Tag(RaftMetrics.NodeTag), r.Tag("raft.election.pre_vote"), r.Tag("raft.election.outcome"))).ToList();
        Assert.Equal((id, "True", "lost"), after.LastOrDefault());
        Assert.All(after.SkipLast(1), r => Assert.Equal((id, "True", "timed_out"), r));
    }
}
