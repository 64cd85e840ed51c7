using System.Diagnostics;
using AkkaRaft.KeyValue;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// Pre-vote, check-quorum and the vote lease between three Host <c>node</c> processes (hocon/cluster-3.hocon: election
/// timeout 300-600 ms, heartbeat 100 ms), with real partitions cut by iptables while clients on 127.0.0.1 keep
/// writing and reading; every history is checked for linearizability.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class StableLeadershipTests(ITestOutputHelper output)
{
    private const int ClientCount = 4;
    private static readonly TimeSpan ElectionTimeout = TimeSpan.FromMilliseconds(600);

    /// <summary>Generous bound on waits for a condition: a busy two-core machine is slow, a broken cluster never gets there.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Slack on the step-down bound for how the test observes it: status is sampled every 100 ms over Akka.Remote, and
    /// the node's own timers run on a shared two-core machine.
    /// </summary>
    private static readonly TimeSpan ObservationSlack = TimeSpan.FromSeconds(1);


    /// <summary>
    /// Thesis §9.6 (pre-vote) and §4.2.3 (the vote lease): a follower cut off for ten election timeouts cannot raise
    /// its term (its pre-votes reach nobody), so when it comes back the leader and the term are those of before the cut.
    /// </summary>
    [SkippableFact]
    public async Task A_follower_isolated_for_ten_election_timeouts_rejoins_without_changing_the_leader_or_term()
    {
        PartitionedCluster.SkipUnlessAvailable();
        await using var cluster = await PartitionedCluster.Start(output);
        var nodes = cluster.Nodes;
        var (workload, before) = await cluster.StartWorkload(ClientCount, Bound);
        var follower = nodes.Ids.First(id => id != before.PeerId);

        cluster.Isolate(follower);
        var cutOn = cluster.Timeline.Now;
        await Task.Delay(ElectionTimeout * 10); // the scenario: ten election timeouts cut off
        var cutOff = await nodes.State(follower);
        output.WriteLine($"{follower} before the heal: {cutOff?.Role} at term {cutOff?.Term}");
        cluster.Heal();
        var healAt = Stopwatch.GetTimestamp();
        await HostCluster.Eventually(Bound, $"{follower} catches up with {before.PeerId}", async () =>
            await nodes.State(follower) is { LeaderId: { } leader } s && leader == before.PeerId ? s : null);
        await workload.WaitForWrites(10, healAt, Bound, "acknowledged after the heal");

        var after = await nodes.AgreedLeader(Bound);
        Assert.Equal((before.PeerId, before.Term), (after.PeerId, after.Term));
        var highest = nodes.Ids.SelectMany(id => cluster.Timeline.Of(id, cutOn)).Max(s => s.State.Term);
        Assert.True(highest == before.Term, $"a node reached term {highest} after the cut, past the leader's {before.Term}:\n{cluster.DescribeTimeline()}");
        await workload.StopAndCheck(output);
    }

    /// <summary>
    /// Check-quorum: a leader cut off from both followers stops saying it leads within two election timeouts, the two
    /// elect a leader, and no client ever reads a stale value (the history, reads included, is linearizable): neither
    /// with ReadIndex nor with lease reads, where the old leader serves reads alone until its lease runs out.
    /// </summary>
    [SkippableTheory]
    [InlineData("read-index")]
    [InlineData("lease")]
    public async Task A_leader_cut_off_from_both_followers_steps_down_and_serves_no_stale_read(string reads)
    {
        PartitionedCluster.SkipUnlessAvailable();
        await using var cluster = await PartitionedCluster.Start(output, overrides: $"akka.raft.reads = {reads}");
        var nodes = cluster.Nodes;
        var (workload, old) = await cluster.StartWorkload(ClientCount, Bound);
        var followers = nodes.Ids.Where(id => id != old.PeerId).ToArray();

        cluster.Isolate(old.PeerId);
        var cutOn = cluster.Timeline.Now;
        var cutAt = Stopwatch.GetTimestamp();
        var stepDown = await HostCluster.Eventually(Bound, $"{old.PeerId} stops saying it leads", () =>
            Task.FromResult(cluster.Timeline.First(old.PeerId, cutOn, s => !s.IsLeader)));
        var next = await nodes.AgreedLeader(Bound, followers);
        await workload.WaitForWrites(10, cutAt, Bound, $"acknowledged by {next.PeerId}'s majority");

        var tookToStepDown = stepDown.At - cutOn;
        output.WriteLine($"{old.PeerId} stepped down {tookToStepDown.TotalSeconds:F2} s after the cut; {next.PeerId} leads at term {next.Term}");
        Assert.True(tookToStepDown <= ElectionTimeout * 2 + ObservationSlack,
            $"{old.PeerId} still said it leads {tookToStepDown.TotalSeconds:F2} s after losing its majority:\n{cluster.DescribeTimeline()}");
        cluster.Heal();
        await nodes.AgreedLeader(Bound);
        await workload.StopAndCheck(output);
    }

    /// <summary>
    /// A bridge partition: one node reaches both others, which cannot reach each other. With pre-vote and the vote
    /// lease the cluster settles on one leader and keeps it: no term changes once it has settled.
    /// </summary>
    [SkippableFact]
    public async Task A_bridge_partition_converges_to_one_stable_leader()
    {
        PartitionedCluster.SkipUnlessAvailable();
        await using var cluster = await PartitionedCluster.Start(output);
        var nodes = cluster.Nodes;
        var (workload, leader) = await cluster.StartWorkload(ClientCount, Bound);
        var (left, right) = (nodes.Ids.First(id => id != leader.PeerId), nodes.Ids.Last(id => id != leader.PeerId));
        // Cut the leader from one follower, so that the leader and that follower are the two ends of the bridge.
        cluster.Network.Partition([leader.PeerId], [left]);
        output.WriteLine($"{cluster.Timeline.Now.TotalSeconds:F2} s: cut {leader.PeerId} from {left} both ways; {right} is the bridge");
        var cutAt = Stopwatch.GetTimestamp();

        await workload.WaitForWrites(10, cutAt, Bound, "acknowledged across the bridge");
        var settledOn = cluster.Timeline.Now;
        var settled = await nodes.State(right) ?? throw new InvalidOperationException($"{right} does not answer");
        await Task.Delay(ElectionTimeout * 5); // the scenario: five election timeouts with the bridge in place
        var terms = nodes.Ids.SelectMany(id => cluster.Timeline.Of(id, settledOn)).Select(s => s.State.Term).Distinct().ToArray();
        var leaders = nodes.Ids.SelectMany(id => cluster.Timeline.Of(id, settledOn)).Where(s => s.State.IsLeader).Select(s => s.State.PeerId).Distinct().ToArray();
        output.WriteLine($"after settling: terms {string.Join(", ", terms)}, leaders {string.Join(", ", leaders)}");
        Assert.True(leaders.Length == 1 && terms.Length == 1 && terms[0] == settled.Term,
            $"the bridge did not settle on one leader in one term:\n{cluster.DescribeTimeline()}");
        await workload.WaitForWrites(10, cutAt, Bound, "still acknowledged");

        cluster.Heal();
        await nodes.AgreedLeader(Bound);
        await workload.StopAndCheck(output);
    }
}
