using System.Diagnostics;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using AkkaRaft.Actors;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.ClusterMembership;

/// <summary>
/// <c>akka.raft.membership.mode = akka-cluster</c> with real ActorSystems in one Akka.Cluster over Akka.Remote: the
/// leader's <c>RaftClusterMembership</c> adds a member that comes Up and removes one the cluster Removed, one change at a
/// time (Raft thesis §4), and the group keeps committing throughout.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class ClusterDrivenMembershipTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper _output;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ClusterDrivenMembershipTests(ITestOutputHelper output) : base("akka.loglevel = INFO", output: output) => _output = output;

    [Fact]
    public async Task A_member_that_comes_up_is_added_as_a_voter_and_a_member_that_leaves_the_cluster_is_removed()
    {
        // Reference: Raft thesis §4.2.1 (a new server catches up as a learner before it votes) and §4.1
        await using var group = await StartFounders(ConfigurationFactory.Empty);

        var n4 = group.StartJoiner("n4");
        await AwaitMembers(group, m => m.IsVoter("n4") && m.List.Count(v => v.IsVoter) == 4);
        Note("n4 joined the cluster and became a voter");
        await Commit(group.Running, [0x04]);
        Note("4 peers committed and applied an entry");

        var leaving = await AFollower(group.Running, except: n4);
        leaving.Cluster.Leave(leaving.Address);
        await AwaitMembers(group, m => !m.List.Any(x => x.Id == leaving.Id) && m.List.Count(v => v.IsVoter) == 3);
        Note($"{leaving.Id} left the cluster and was removed from the group");
        await AwaitAssertAsync(() => Assert.True(leaving.System.WhenTerminated.IsCompleted), Patience, TimeSpan.FromMilliseconds(100));
        await Commit(group.Running, [0x05]);
        Note("the remaining 3 peers committed and applied an entry");
    }

    [Fact]
    public async Task When_the_leaders_member_leaves_the_cluster_the_next_leader_removes_it()
    {
        // Reference: Raft thesis §4.1 (the configuration in the log outlives its leader) and §3.4 (a new leader is elected)
        await using var group = await StartFounders(ConfigurationFactory.Empty);
        group.StartJoiner("n4");
        await AwaitMembers(group, m => m.IsVoter("n4") && m.List.Count(v => v.IsVoter) == 4);
        await Commit(group.Running, [0x08]);

        var leader = await Leader(group.Running);
        var rest = group.Running.Where(n => n != leader).ToArray();
        leader.Cluster.Leave(leader.Address);
        await AwaitAssertAsync(() => Assert.True(leader.System.WhenTerminated.IsCompleted), Patience, TimeSpan.FromMilliseconds(100));
        Note($"{leader.Id}, the leader, left the cluster and its system stopped");
        await AwaitMembers(group, m => !m.List.Any(x => x.Id == leader.Id) && m.List.Count(v => v.IsVoter) == 3);
        Note($"the next leader removed {leader.Id}");
        await Commit(rest, [0x09]);
        Note("the remaining 3 peers committed and applied an entry");
        // As its cluster extension shut down, the leaving leader was told every other member was Removed: it must not have acted on it.
        var removals = group.ComponentLog.Where(line => line.Contains("proposes to remove")).ToArray();
        Assert.All(removals, line => Assert.Contains($"remove {leader.Id},", line));
    }

    [Fact]
    public async Task A_voter_removed_from_the_cluster_stays_while_fewer_than_min_voters_would_remain_and_goes_once_a_new_member_is_added()
    {
        // Reference: Raft thesis §4.1 (changes one at a time; how small the group may get is the operator's policy)
        await using var group = await StartFounders(ConfigurationFactory.ParseString("akka.raft.membership.akka-cluster.min-voters = 3"));
        var leaving = await AFollower(group.Running);
        var stayers = group.Running.Where(n => n != leaving).ToArray();
        var warnings = CreateTestProbe();
        foreach (var node in stayers) node.System.EventStream.Subscribe(warnings.Ref, typeof(Warning));

        leaving.Cluster.Leave(leaving.Address);
        await warnings.FishForMessageAsync<Warning>(w => w.Message.ToString()!.Contains($"keeps {leaving.Id} a voter"), Patience);
        Note($"{leaving.Id} left the cluster; the leader keeps it a voter (min-voters = 3)");
        // The leader acted on the removal it saw; gossip brings it to the other member soon after.
        await AwaitAssertAsync(() => Assert.All(stayers, n => Assert.DoesNotContain(n.Cluster.State.Members, m => m.Address == leaving.Address)),
            Patience, TimeSpan.FromMilliseconds(100));
        var members = await LeaderMembers(group);
        Assert.Equal(3, members.List.Count(m => m.IsVoter));
        Assert.True(members.IsVoter(leaving.Id), $"{leaving.Id} is no longer a voter: {members}");
        await Commit(stayers, [0x06]);
        Note("the two remaining peers still commit, as 2 of 3 voters");

        group.StartJoiner("n4");
        await AwaitMembers(group, m => m.IsVoter("n4") && !m.List.Any(x => x.Id == leaving.Id) && m.List.Count(v => v.IsVoter) == 3);
        Note($"n4 was added, then {leaving.Id} removed");
        await Commit(group.Running, [0x07]);
        Note("n1, n4 and the remaining founder committed and applied an entry");
    }

    // ---- helpers ----

    private void Note(string what) => _output.WriteLine($"=== {_clock.Elapsed.TotalSeconds:F1} s: {what}");

    /// <summary>Starts n1 to n3 with <paramref name="settings"/>, waits until all three are Up, and commits a first entry on every peer.</summary>
    private async Task<ClusterMembershipNodes> StartFounders(Config settings)
    {
        var group = ClusterMembershipNodes.StartFounders(settings, InitializeLogger);
        try
        {
            await AwaitAssertAsync(() => Assert.All(group.Nodes, n => Assert.Equal(3, n.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up))),
                Patience, TimeSpan.FromMilliseconds(100));
            await Commit(group.Nodes, [0x01]);
            Note("3 founders are Up and committed an entry");
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    /// <summary>The node whose peer leads among <paramref name="nodes"/> (the newest term, if a stale leader lingers).</summary>
    private async Task<MemberNode> Leader(IReadOnlyList<MemberNode> nodes)
    {
        MemberNode? found = null;
        await AwaitAssertAsync(async () =>
        {
            var states = await Task.WhenAll(nodes.Select(async n => (Node: n, State: await ClusterMembershipNodes.StateOf(n))));
            var leader = states.Where(s => s.State is { IsLeader: true }).MaxBy(s => s.State!.Term);
            Assert.True(leader.State is not null, "no leader among " + string.Join(", ", nodes.Select(n => n.Id)));
            found = leader.Node;
        }, Patience, TimeSpan.FromMilliseconds(50));
        return found!;
    }

    /// <summary>A node of <paramref name="nodes"/>, other than <paramref name="except"/>, whose peer does not lead.</summary>
    private async Task<MemberNode> AFollower(IReadOnlyList<MemberNode> nodes, MemberNode? except = null)
    {
        var leader = await Leader(nodes);
        return nodes.First(n => n != leader && n != except);
    }

    private async Task<Members> LeaderMembers(ClusterMembershipNodes group) =>
        await (await Leader(group.Running)).Peer.Ask<Members>(GetMembers.Instance, TimeSpan.FromSeconds(3));

    /// <summary>Waits until the leader's committed configuration satisfies <paramref name="holds"/>.</summary>
    private async Task AwaitMembers(ClusterMembershipNodes group, Func<Members, bool> holds)
    {
        Members? last = null;
        try
        {
            await AwaitConditionAsync(async () =>
            {
                last = await LeaderMembers(group);
                return last.Committed && holds(last);
            }, Patience, TimeSpan.FromMilliseconds(100));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new Xunit.Sdk.XunitException($"the group did not reach the expected membership; last seen: {last?.ToString() ?? "none"} ({e.Message})");
        }
    }

    /// <summary>Proposes <paramref name="command"/> to the leader among <paramref name="side"/> until every peer of the side has applied it.</summary>
    private async Task Commit(IReadOnlyList<MemberNode> side, byte[] command)
    {
        await AwaitAssertAsync(async () =>
        {
            var leader = await Leader(side);
            var answer = await leader.Peer.Ask<object>(new Propose(command), TimeSpan.FromSeconds(3));
            var index = Assert.IsType<ProposeAccepted>(answer).Index;
            // A leader deposed meanwhile may lose the entry: the outer loop proposes again.
            await AwaitAssertAsync(() => Assert.All(side, n => Assert.True(n.Applied.TryGetValue(index, out var applied) && applied.SequenceEqual(command),
                $"{n.Id} has not applied entry {index}")), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));
        }, Patience, TimeSpan.FromMilliseconds(50));
    }
}
