using System.Collections.Concurrent;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Tests.Embedding;

/// <summary>One ActorSystem of <see cref="ClusteredPeers"/>: a cluster member and the Raft peer it hosts at /user/raft.</summary>
internal sealed class ClusteredNode(string id, ActorSystem system, IActorRef peer, ConcurrentDictionary<long, byte[]> applied)
{
    public string Id { get; } = id;
    public ActorSystem System { get; } = system;
    public IActorRef Peer { get; } = peer;
    public Address Address { get; } = ((ExtendedActorSystem)system).Provider.DefaultAddress;
    public Cluster Cluster => Cluster.Get(System);
    public ActorPath PeerPath => new RootActorPath(Address) / "user" / "raft";

    /// <summary>Every entry the peer applied, by index.</summary>
    public ConcurrentDictionary<long, byte[]> Applied { get; } = applied;

    /// <summary>Sets this system's throttler towards <paramref name="other"/> (RAFT-NOTES: the blackhole recipe).</summary>
    public Task<bool> Throttle(Address other, ThrottleMode mode) =>
        ((IRemoteActorRefProvider)((ExtendedActorSystem)System).Provider).Transport
            .ManagementCommand(new SetThrottle(other, ThrottleTransportAdapter.Direction.Both, mode));
}

/// <summary>
/// Three ActorSystems in this process, each with provider = cluster on its own free loopback port, joined into one
/// Akka.Cluster, each hosting one Raft peer that reaches the others by actor path over Akka.Remote, as an application
/// would embed it. A partition is a throttler blackhole between systems: it cuts the cluster's heartbeats and gossip
/// and the Raft traffic alike.
/// </summary>
internal sealed class ClusteredPeers : IAsyncDisposable
{
    /// <summary>Members of one Akka.Cluster share the ActorSystem name.</summary>
    private const string SystemName = "embedded";

    private static readonly string[] Ids = ["n1", "n2", "n3"];

    private ClusteredPeers(IReadOnlyList<ClusteredNode> nodes) => Nodes = nodes;

    public IReadOnlyList<ClusteredNode> Nodes { get; }

    /// <summary>
    /// Starts the three systems with <paramref name="config"/>, has each join the first (which joins itself and so
    /// forms the cluster), and starts a peer in each. <paramref name="attachLogger"/> routes a system's log to the test.
    /// </summary>
    public static ClusteredPeers Start(Config config, Action<ActorSystem> attachLogger)
    {
        var systems = Ids.Select(_ => ActorSystem.Create(SystemName, config)).ToArray();
        foreach (var system in systems)
        {
            attachLogger(system);
            RaftExtension.Get(system); // unsupervised peers start at once: start the clock from this thread (see RaftExtension)
        }
        var addresses = systems.Select(s => ((ExtendedActorSystem)s).Provider.DefaultAddress).ToArray();
        foreach (var system in systems) Cluster.Get(system).Join(addresses[0]);

        var settings = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft { cluster-id = embedding, members = [n1, n2, n3] }"));
        var nodes = new List<ClusteredNode>();
        for (var i = 0; i < Ids.Length; i++)
        {
            var routes = Enumerable.Range(0, Ids.Length).Where(o => o != i)
                .ToDictionary(o => Ids[o], o => new RootActorPath(addresses[o]) / "user" / "raft");
            var applied = new ConcurrentDictionary<long, byte[]>();
            var applier = systems[i].ActorOf(Props.Create(() => new Applier(applied)), "applier");
            var peer = systems[i].ActorOf(RaftActor.Props(settings.WithPeerId(Ids[i]), RaftPeers.FromPaths(routes), new RaftActorOptions { ApplyTo = applier }), "raft");
            nodes.Add(new ClusteredNode(Ids[i], systems[i], peer, applied));
        }
        return new ClusteredPeers(nodes);
    }

    /// <summary>The other two nodes.</summary>
    public IReadOnlyList<ClusteredNode> Others(ClusteredNode node) => Nodes.Where(n => n != node).ToArray();

    /// <summary>Blackholes every link between <paramref name="node"/> and the others, at both ends (RAFT-NOTES).</summary>
    public Task Isolate(ClusteredNode node) => SetLinks(node, Blackhole.Instance);

    /// <summary>Lifts what <see cref="Isolate"/> set.</summary>
    public Task Heal(ClusteredNode node) => SetLinks(node, Unthrottled.Instance);

    private Task SetLinks(ClusteredNode node, ThrottleMode mode) =>
        Task.WhenAll(Others(node).SelectMany(other => new[] { node.Throttle(other.Address, mode), other.Throttle(node.Address, mode) }));

    /// <summary>The peer's state, or null when it does not answer in time.</summary>
    public static async Task<RaftState?> StateOf(ClusteredNode node)
    {
        try
        {
            return await node.Peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(2));
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync() => await Task.WhenAll(Nodes.Select(n => n.System.Terminate()));

    private sealed class Applier : ReceiveActor
    {
        public Applier(ConcurrentDictionary<long, byte[]> log) => Receive<Applied>(a => log[a.Index] = a.Command);
    }
}
