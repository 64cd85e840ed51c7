using System.Diagnostics;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote;
using Akka.TestKit.Xunit2;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Embedding;

/// <summary>
/// Issue #7: Raft peers inside ActorSystems with provider = cluster. Raft keeps its own membership and handles
/// partitions itself; these tests show what Akka.Cluster does to a peer when the system hosting the Raft leader is
/// cut off, first with the settings hocon/embedding-cluster.hocon recommends, then with Akka's defaults.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class ClusterEmbeddingTests : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>
    /// What every system here needs besides the settings under test: provider = cluster on a free loopback port, the
    /// throttler (partitions), an in-memory journal. Akka.Cluster's timing is shortened so a test takes seconds, not
    /// minutes; what happens is the same, only sooner. Defaults in brackets.
    /// </summary>
    private const string TestSystem = """
        akka {
          loglevel = INFO
          stdout-loglevel = WARNING
          actor.provider = cluster
          remote.dot-netty.tcp {
            hostname = "127.0.0.1"
            port = 0
            applied-adapters = [trttl]
            # [15s] Also the handshake timeout: an association begun inside the blackhole waits this long for an
            # answer that never comes, and the link stays silent until then, even after the partition heals.
            connection-timeout = 3s
          }
          remote.retry-gate-closed-for = 200ms      # [5s] a failed association is retried this soon
          cluster {
            periodic-tasks-initial-delay = 100ms    # [1s]
            gossip-interval = 200ms                 # [1s]
            leader-actions-interval = 200ms         # [1s]
            unreachable-nodes-reaper-interval = 200ms  # [1s]
            failure-detector {
              heartbeat-interval = 200ms            # [1s]
              # [3s] Still long enough that a busy two-core machine does not suspect a live member.
              acceptable-heartbeat-pause = 2s
              expected-response-after = 500ms       # [1s]
            }
            # [20s] How long reachability must stay unchanged before the split-brain resolver downs a side.
            split-brain-resolver.stable-after = 2s
          }
          persistence.journal.plugin = "akka.persistence.journal.inmem"
          persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        }
        """;

    /// <summary>
    /// How long the first test holds its partition: past the moment Akka's default split-brain resolver downs the
    /// isolated member with the timing above (failure detection, about 3 s, plus stable-after, 2 s: 5.5 to 6.5 s into
    /// the partition in the other two tests, which print it).
    /// </summary>
    private static readonly TimeSpan PartitionOutlastingDowning = TimeSpan.FromSeconds(8);

    private readonly ITestOutputHelper _output;

    public ClusterEmbeddingTests(ITestOutputHelper output) : base("akka.loglevel = INFO", output: output) => _output = output;

    private static Config Shipped(string file) =>
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", file)));

    [Fact]
    public async Task With_the_recommended_settings_every_peer_survives_a_partition_of_the_leaders_system_and_the_log_converges_after_heal()
    {
        await using var group = await StartGroup(Shipped("embedding-cluster.hocon"));
        var (isolated, oldTerm) = await LeaderNode(group.Nodes);
        var majority = group.Others(isolated);

        await group.Isolate(isolated);
        var partition = Stopwatch.StartNew();
        await AwaitAssertAsync(() =>
        {
            // Akka.Cluster has noticed: each side marks the other unreachable.
            Assert.All(majority, n => Assert.Contains(n.Cluster.State.Unreachable, m => m.Address == isolated.Address));
            Assert.Equal(2, isolated.Cluster.State.Unreachable.Count);
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        _output.WriteLine($"=== unreachable {partition.Elapsed.TotalSeconds:F1} s into the partition");

        // Raft §5.2: the majority elects a leader of a newer term and commits, all through a partition that outlasts
        // the point where a split-brain resolver would have downed the isolated member.
        var committedDuringPartition = 0;
        while (partition.Elapsed < PartitionOutlastingDowning)
        {
            await Commit(majority, [0xA0, (byte)committedDuringPartition]);
            committedDuringPartition++;
        }
        var (majorityLeader, majorityTerm) = await LeaderNode(majority);
        Assert.True(majorityTerm > oldTerm, $"the majority's leader {majorityLeader.Id} is at term {majorityTerm}, not past {oldTerm}");
        _output.WriteLine($"=== {committedDuringPartition} entries committed by the majority during a {partition.Elapsed.TotalSeconds:F1} s partition");
        foreach (var node in group.Nodes)
        {
            // Nothing was downed and no system shut down: unreachable members stay members, and every peer answers.
            Assert.All(node.Cluster.State.Members, m => Assert.Equal(MemberStatus.Up, m.Status));
            Assert.False(node.System.WhenTerminated.IsCompleted, $"{node.Id}'s ActorSystem terminated");
            Assert.NotNull(await ClusteredPeers.StateOf(node));
        }

        await group.Heal(isolated);
        await AwaitAssertAsync(() => Assert.All(group.Nodes, n =>
        {
            Assert.Empty(n.Cluster.State.Unreachable);
            Assert.Equal(3, n.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up));
        }), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        await Commit(group.Nodes, [0xB0]);

        _output.WriteLine($"=== reachable again and committing {partition.Elapsed.TotalSeconds:F1} s after the partition began");

        // Every peer is alive and reachable by path from the other systems, and the three logs are one.
        foreach (var node in group.Nodes)
            foreach (var from in group.Others(node))
                await AwaitAssertAsync(async () =>
                {
                    var identity = await from.System.ActorSelection(node.PeerPath).Ask<ActorIdentity>(new Identify(node.Id), TimeSpan.FromSeconds(3));
                    Assert.NotNull(identity.Subject);
                }, TimeSpan.FromSeconds(10));
        await AssertConverged(group.Nodes);
        _output.WriteLine($"=== converged {partition.Elapsed.TotalSeconds:F1} s after the partition began");
    }

    [Fact]
    public async Task With_Akka_defaults_the_split_brain_resolver_downs_the_isolated_system_and_its_shutdown_stops_the_peer()
    {
        await using var group = await StartGroup(ConfigurationFactory.Empty);
        var (isolated, _) = await LeaderNode(group.Nodes);
        var warnings = CreateTestProbe();
        isolated.System.EventStream.Subscribe(warnings.Ref, typeof(Warning));
        var watcher = CreateTestProbe();
        watcher.Watch(isolated.Peer);

        await group.Isolate(isolated);
        var partition = Stopwatch.StartNew();

        // keep-majority: the isolated side downs itself, and run-coordinated-shutdown-when-down = on terminates its system.
        await watcher.ExpectTerminatedAsync(isolated.Peer, TimeSpan.FromSeconds(30));
        await isolated.System.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));
        _output.WriteLine($"=== {isolated.Id}'s peer stopped and its ActorSystem terminated {partition.Elapsed.TotalSeconds:F1} s into the partition");
        // The peer says why it stopped (RaftActor.Lifecycle).
        await warnings.FishForMessageAsync<Warning>(w => w.Message.ToString()!.Contains("Akka.Cluster downed this node"), TimeSpan.FromSeconds(5));

        // The majority side removes the downed member and carries on without it.
        var majority = group.Others(isolated);
        await AwaitAssertAsync(() => Assert.All(majority, n => Assert.DoesNotContain(n.Cluster.State.Members, m => m.Address == isolated.Address)),
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        await Commit(majority, [0xC0]);
    }

    [Fact]
    public async Task With_shutdown_when_down_turned_off_the_downed_peer_keeps_running_but_its_group_refuses_it_after_heal()
    {
        await using var group = await StartGroup(ConfigurationFactory.ParseString("akka.cluster.run-coordinated-shutdown-when-down = off"));
        var (isolated, _) = await LeaderNode(group.Nodes);
        var majority = group.Others(isolated);
        var quarantines = CreateTestProbe();
        foreach (var node in majority) node.System.EventStream.Subscribe(quarantines.Ref, typeof(QuarantinedEvent));
        var uid = isolated.Cluster.SelfUniqueAddress.Uid;

        await group.Isolate(isolated);
        var partition = Stopwatch.StartNew();

        // Downed, the isolated member's cluster extension shuts down, but its ActorSystem and peer stay up...
        await AwaitConditionAsync(() => Task.FromResult(isolated.Cluster.IsTerminated), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        _output.WriteLine($"=== {isolated.Id} downed {partition.Elapsed.TotalSeconds:F1} s into the partition");
        // ...while the majority removes it and quarantines that incarnation (address and UID) for good.
        await quarantines.FishForMessageAsync<QuarantinedEvent>(q => q.Address == isolated.Address && q.Uid == uid, TimeSpan.FromSeconds(30));

        var refusals = CreateTestProbe();
        isolated.System.EventStream.Subscribe(refusals.Ref, typeof(ThisActorSystemQuarantinedEvent));
        await group.Heal(isolated);

        // The network is whole again and the peer still runs, but the Raft traffic it sends (heartbeats or vote
        // requests, whatever its role) is refused: "No further associations to the remote system are possible until
        // this system is restarted."
        Assert.False(isolated.System.WhenTerminated.IsCompleted);
        Assert.NotNull(await ClusteredPeers.StateOf(isolated));
        await refusals.ExpectMsgAsync<ThisActorSystemQuarantinedEvent>(q => majority.Any(n => n.Address == q.RemoteAddress), TimeSpan.FromSeconds(20));
        // The group carries on without it.
        await Commit(majority, [0xD0]);
        // Removal of the downed member follows its quarantine once the majority's gossip converges, not at once.
        await AwaitAssertAsync(() => Assert.All(majority, n => Assert.DoesNotContain(n.Cluster.State.Members, m => m.Address == isolated.Address)),
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
    }

    // ---- helpers ----

    /// <summary>Starts three clustered systems with <paramref name="settings"/> over <see cref="TestSystem"/>, waits for
    /// the cluster to form and for a leader, and commits a first entry on every peer.</summary>
    private async Task<ClusteredPeers> StartGroup(Config settings)
    {
        var group = ClusteredPeers.Start(settings.WithFallback(ConfigurationFactory.ParseString(TestSystem)), InitializeLogger);
        try
        {
            await AwaitAssertAsync(() => Assert.All(group.Nodes, n => Assert.Equal(3, n.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up))),
                TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
            await Commit(group.Nodes, [0x01]);
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    /// <summary>The node whose peer leads among <paramref name="side"/> (the newest term, if a stale leader lingers), and its term.</summary>
    private async Task<(ClusteredNode Node, long Term)> LeaderNode(IReadOnlyList<ClusteredNode> side)
    {
        (ClusteredNode, long)? found = null;
        await AwaitAssertAsync(async () =>
        {
            var states = await Task.WhenAll(side.Select(async n => (Node: n, State: await ClusteredPeers.StateOf(n))));
            var leader = states.Where(s => s.State is { IsLeader: true }).MaxBy(s => s.State!.Term);
            Assert.True(leader.State is not null, "no leader among " + string.Join(", ", side.Select(n => n.Id)));
            found = (leader.Node, leader.State!.Term);
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(50));
        return found!.Value;
    }

    /// <summary>Proposes <paramref name="command"/> to the leader among <paramref name="side"/> until every peer of the side has applied it.</summary>
    private async Task Commit(IReadOnlyList<ClusteredNode> side, byte[] command)
    {
        await AwaitAssertAsync(async () =>
        {
            var (leader, _) = await LeaderNode(side);
            var answer = await leader.Peer.Ask<object>(new Propose(command), TimeSpan.FromSeconds(3));
            var index = Assert.IsType<ProposeAccepted>(answer).Index;
            // A leader deposed meanwhile may lose the entry: the outer loop proposes again.
            await AwaitAssertAsync(() => Assert.All(side, n => Assert.True(n.Applied.TryGetValue(index, out var applied) && applied.SequenceEqual(command),
                $"{n.Id} has not applied entry {index}")), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
    }

    /// <summary>Every peer answers with the same commit index, has applied all of it, and applied the same entries.</summary>
    private async Task AssertConverged(IReadOnlyList<ClusteredNode> nodes)
    {
        await AwaitAssertAsync(async () =>
        {
            var states = await Task.WhenAll(nodes.Select(ClusteredPeers.StateOf));
            Assert.All(states, s => Assert.NotNull(s));
            var commit = states[0]!.CommitIndex;
            Assert.All(states, s => Assert.Equal((commit, commit), (s!.CommitIndex, s.LastApplied)));
            var reference = nodes[0].Applied;
            Assert.All(nodes, n =>
            {
                Assert.Equal(commit, n.Applied.Count);
                for (var i = 1L; i <= commit; i++)
                    if (!n.Applied[i].SequenceEqual(reference[i])) throw new XunitException($"{n.Id} applied another entry at {i} than {nodes[0].Id}");
            });
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
    }
}
