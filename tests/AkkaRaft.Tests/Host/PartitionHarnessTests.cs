using System.Diagnostics;
using AkkaRaft.Actors;
using AkkaRaft.KeyValue;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// The partition harness itself: a cut really stops packets between two Host processes, a heal lets them through
/// again, and nothing of a run (iptables rules, cgroups, processes) outlives it, however the test ends.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class PartitionHarnessTests(ITestOutputHelper output)
{
    /// <summary>Generous bound on every wait: a busy two-core machine is slow, a broken harness never gets there.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);


    /// <summary>
    /// A follower cut from both others both ways can no longer open a connection to them, loses its leader, and
    /// commits nothing while the other two commit writes; after the heal it connects again, the three agree on one
    /// leader and it applies everything. Disposing the cluster leaves no rule with the run's tag and no cgroup.
    /// </summary>
    [SkippableFact]
    public async Task An_isolated_follower_loses_its_leader_and_catches_up_after_the_heal_and_nothing_is_left_behind()
    {
        PartitionedCluster.SkipUnlessAvailable();
        var cluster = await PartitionedCluster.Start(output);
        var network = cluster.Network;
        try
        {
            var nodes = cluster.Nodes;
            var leader = await nodes.AgreedLeader(Bound);
            var follower = nodes.Ids.First(id => id != leader.PeerId);
            var other = nodes.Ids.Single(id => id != leader.PeerId && id != follower);
            Assert.True(await cluster.Reaches(follower, leader.PeerId), $"{follower} cannot reach {leader.PeerId} before any cut");
            output.WriteLine($"{leader.PeerId} leads at term {leader.Term}; isolating follower {follower}");

            var workload = KvWorkload.Start(nodes, 2);
            cluster.Isolate(follower);
            var cutAt = Stopwatch.GetTimestamp(); // writes called from here on meet the cut
            var cutOn = cluster.Timeline.Now;
            Assert.False(await cluster.Reaches(follower, leader.PeerId), $"{follower} still reaches {leader.PeerId} after the cut");
            Assert.False(await cluster.Reaches(leader.PeerId, follower), $"{leader.PeerId} still reaches {follower} after the cut");
            Assert.True(await cluster.Reaches(leader.PeerId, other), $"{leader.PeerId} no longer reaches {other}, which was not cut");

            // Its status shows it lost the leader (it campaigns, or follows no one): packets from the leader stopped.
            var lost = await HostCluster.Eventually(Bound, $"{follower} no longer follows {leader.PeerId}", async () =>
                await nodes.State(follower) is { } s && (s.LeaderId != leader.PeerId || s.Role != RaftRole.Follower) ? s : null);
            output.WriteLine($"{cluster.Timeline.Now.TotalSeconds:F2} s: {follower} {lost.Role.ToString().ToLowerInvariant()} at term {lost.Term}, leader {lost.LeaderId ?? "-"}, commit {lost.CommitIndex}");

            // The other two commit writes; the isolated follower commits none of them.
            await workload.WaitForWrites(10, cutAt, Bound, $"acknowledged while {follower} is cut off");
            var majority = await nodes.AgreedLeader(Bound, [leader.PeerId, other]);
            var cutSide = await nodes.State(follower) ?? throw new Xunit.Sdk.XunitException($"{follower} does not answer its status");
            Assert.Equal(lost.CommitIndex, cutSide.CommitIndex);
            Assert.True(majority.CommitIndex > cutSide.CommitIndex, $"leader {majority.PeerId}'s commit {majority.CommitIndex} is not past the cut-off {follower}'s {cutSide.CommitIndex}");
            output.WriteLine($"{cluster.Timeline.Now.TotalSeconds:F2} s: {majority.PeerId} commit {majority.CommitIndex}; {follower} still at {cutSide.CommitIndex}");

            cluster.Heal();
            Assert.True(await cluster.Reaches(follower, leader.PeerId), $"{follower} does not reach {leader.PeerId} after the heal");
            Assert.True(await cluster.Reaches(leader.PeerId, follower), $"{leader.PeerId} does not reach {follower} after the heal");
            var agreed = await nodes.AgreedLeader(Bound);
            await HostCluster.Eventually(Bound, $"{follower} applies up to {agreed.PeerId}'s commit {agreed.CommitIndex}", async () =>
                await nodes.State(follower) is { } s && s.LastApplied >= agreed.CommitIndex ? s : null);
            output.WriteLine($"{cluster.Timeline.Now.TotalSeconds:F2} s: healed; {agreed.PeerId} leads at term {agreed.Term}, {follower} caught up");

            await workload.StopAndCheck(output);
            output.WriteLine($"status changes since the cut:\n{string.Join("\n", nodes.Ids.Select(id => cluster.Timeline.Changes(id, cutOn)))}");
        }
        finally
        {
            await cluster.DisposeAsync();
        }
        AssertNothingLeft(network);
    }

    /// <summary>
    /// A test body that throws while a partition is in place and a process runs in a node's cgroup still leaves no rule
    /// with the run's tag, no cgroup and no process once the network is disposed, as <c>using</c> does.
    /// </summary>
    [SkippableFact]
    public void A_failing_test_body_still_leaves_no_rule_no_cgroup_and_no_process()
    {
        PartitionedCluster.SkipUnlessAvailable();
        LoopbackNetwork? seen = null;
        Process? sleeper = null;
        void FailingBody()
        {
            using var network = LoopbackNetwork.Create(["n1", "n2", "n3"]);
            seen = network;
            var launcher = network.Launcher("n1");
            var start = new ProcessStartInfo(launcher[0]) { UseShellExecute = false };
            foreach (var a in launcher.Skip(1).Concat(["sleep", "60"])) start.ArgumentList.Add(a);
            sleeper = Process.Start(start)!;
            network.Partition(["n1"], ["n2", "n3"]);
            var rules = network.Rules();
            output.WriteLine($"{rules.Count} rules tagged {network.Tag}:\n{string.Join("\n", rules.Select(r => $"  {r.Table}: {r.Rule}"))}");
            Assert.Equal(3, rules.Count(r => r.Table == "nat"));
            Assert.Equal(8, rules.Count(r => r.Table == "filter")); // 4 links, 2 rules each
            throw new InvalidOperationException("the test body fails");
        }
        var thrown = Assert.Throws<InvalidOperationException>(FailingBody);
        Assert.Equal("the test body fails", thrown.Message);
        Assert.True(sleeper!.WaitForExit(TimeSpan.FromSeconds(10)), $"pid {sleeper.Id}, started in a cgroup of {seen!.Tag}, still runs");
        sleeper.Dispose();
        AssertNothingLeft(seen!);
    }

    private void AssertNothingLeft(LoopbackNetwork network)
    {
        var saved = Iptables.Run("iptables-save", ["-t", "filter"]) + Iptables.Run("iptables-save", ["-t", "nat"]);
        Assert.DoesNotContain(network.Tag, saved);
        Assert.False(Directory.Exists(network.CgroupDirectory), $"{network.CgroupDirectory} still exists");
        output.WriteLine($"no rule tagged {network.Tag} in iptables-save (filter, nat) and no {network.CgroupDirectory}");
    }
}
