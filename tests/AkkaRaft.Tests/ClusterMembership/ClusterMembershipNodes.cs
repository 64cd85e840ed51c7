using System.Collections.Concurrent;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using AkkaRaft.Actors;
using AkkaRaft.ClusterMembership;

namespace AkkaRaft.Tests.ClusterMembership;

/// <summary>One ActorSystem of <see cref="ClusterMembershipNodes"/>: a cluster member hosting a peer at /user/raft and its <see cref="RaftClusterMembership"/>.</summary>
internal sealed class MemberNode(string id, ActorSystem system, IActorRef peer, ConcurrentDictionary<long, byte[]> applied)
{
    public string Id { get; } = id;
    public ActorSystem System { get; } = system;
    public IActorRef Peer { get; } = peer;
    public Address Address { get; } = ((ExtendedActorSystem)system).Provider.DefaultAddress;
    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);

    /// <summary>Every entry the peer applied, by index.</summary>
    public ConcurrentDictionary<long, byte[]> Applied { get; } = applied;
}

/// <summary>
/// ActorSystems in this process, each an Akka.Cluster member on a free loopback port with the roles <c>raft</c> and
/// <c>raft-id:&lt;id&gt;</c>, each hosting a peer (reached by actor path over Akka.Remote) and a
/// <see cref="RaftClusterMembership"/> beside it, as an application would with <c>akka.raft.membership.mode = akka-cluster</c>.
/// The first three peers form the group from <c>akka.raft.members</c>; later ones start with <c>join = on</c>.
/// </summary>
internal sealed class ClusterMembershipNodes : IAsyncDisposable
{
    /// <summary>Members of one Akka.Cluster share the ActorSystem name.</summary>
    private const string SystemName = "membership";

    /// <summary>Akka.Cluster's timing shortened so that a member is Up or Removed within a second or two. Defaults in brackets.</summary>
    internal const string TestSystem = """
        akka {
          loglevel = INFO
          stdout-loglevel = WARNING
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
          remote.retry-gate-closed-for = 200ms      # [5s]
          cluster {
            periodic-tasks-initial-delay = 100ms    # [1s]
            gossip-interval = 200ms                 # [1s]
            leader-actions-interval = 200ms         # [1s]
            unreachable-nodes-reaper-interval = 200ms  # [1s]
            failure-detector {
              heartbeat-interval = 200ms            # [1s]
              acceptable-heartbeat-pause = 2s       # [3s]
              expected-response-after = 500ms       # [1s]
            }
          }
          persistence.journal.plugin = "akka.persistence.journal.inmem"
          persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
          raft {
            cluster-id = clustered
            membership.mode = akka-cluster
            membership.akka-cluster.retry-delay = 300ms
          }
        }
        """;

    private static readonly string[] Founders = ["n1", "n2", "n3"];

    private readonly Config _config;
    private readonly Action<ActorSystem> _attachLogger;
    private readonly List<MemberNode> _nodes = [];

    private ClusterMembershipNodes(Config config, Action<ActorSystem> attachLogger)
    {
        _config = config.WithFallback(ConfigurationFactory.ParseString(TestSystem));
        _attachLogger = attachLogger;
    }

    public IReadOnlyList<MemberNode> Nodes => _nodes;

    /// <summary>Every Info line the <see cref="RaftClusterMembership"/> components logged, in every system.</summary>
    public ConcurrentQueue<string> ComponentLog { get; } = new();

    /// <summary>Nodes whose system still runs.</summary>
    public IReadOnlyList<MemberNode> Running => _nodes.Where(n => !n.System.WhenTerminated.IsCompleted).ToArray();

    public MemberNode this[string id] => _nodes.Single(n => n.Id == id);

    /// <summary>Starts n1, n2 and n3, peers of a group of those three, each joining n1's system (which forms the cluster).</summary>
    public static ClusterMembershipNodes StartFounders(Config config, Action<ActorSystem> attachLogger)
    {
        var nodes = new ClusterMembershipNodes(config, attachLogger);
        var systems = Founders.Select(nodes.CreateSystem).ToArray();
        var addresses = systems.Select(s => ((ExtendedActorSystem)s).Provider.DefaultAddress).ToArray();
        for (var i = 0; i < Founders.Length; i++)
        {
            var routes = Enumerable.Range(0, Founders.Length).Where(o => o != i)
                .ToDictionary(o => Founders[o], o => new RootActorPath(addresses[o]) / "user" / "raft");
            nodes.StartPeer(Founders[i], systems[i], RaftPeers.FromPaths(routes), $"akka.raft {{ members = [{string.Join(", ", Founders)}], peer-id = {Founders[i]} }}");
        }
        foreach (var system in systems) Akka.Cluster.Cluster.Get(system).Join(addresses[0]);
        return nodes;
    }

    /// <summary>Starts <paramref name="id"/> with an empty peer waiting to be added (join = on), and has it join the cluster through a running member.</summary>
    public MemberNode StartJoiner(string id)
    {
        var contact = Running[0].Address;
        var node = StartPeer(id, CreateSystem(id), RaftPeers.FromPaths(new Dictionary<string, ActorPath>()), $"akka.raft {{ join = on, members = [], peer-id = {id} }}");
        node.Cluster.Join(contact);
        return node;
    }

    private ActorSystem CreateSystem(string id)
    {
        var system = ActorSystem.Create(SystemName, ConfigurationFactory.ParseString($"akka.cluster.roles = [raft, \"raft-id:{id}\"]").WithFallback(_config));
        _attachLogger(system);
        var recorder = system.ActorOf(Props.Create(() => new LogRecorder(ComponentLog)), "log-recorder");
        system.EventStream.Subscribe(recorder, typeof(Info));
        RaftExtension.Get(system); // unsupervised peers start at once: start the clock from this thread (see RaftExtension)
        return system;
    }

    private MemberNode StartPeer(string id, ActorSystem system, RaftPeers routes, string peerConfig)
    {
        var settings = RaftSettings.Create(ConfigurationFactory.ParseString(peerConfig).WithFallback(system.Settings.Config));
        var applied = new ConcurrentDictionary<long, byte[]>();
        var applier = system.ActorOf(Props.Create(() => new Applier(applied)), "applier");
        var peer = system.ActorOf(RaftActor.Props(settings, routes, new RaftActorOptions { ApplyTo = applier }), "raft");
        Assert.NotNull(system.StartRaftClusterMembership(peer, settings));
        var node = new MemberNode(id, system, peer, applied);
        _nodes.Add(node);
        return node;
    }

    /// <summary>The peer's state, or null when it does not answer in time.</summary>
    public static async Task<RaftState?> StateOf(MemberNode node)
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

    public async ValueTask DisposeAsync() => await Task.WhenAll(_nodes.Select(n => n.System.Terminate()));

    private sealed class LogRecorder : ReceiveActor
    {
        public LogRecorder(ConcurrentQueue<string> lines) =>
            Receive<Info>(i => i.LogSource.Contains("raft-membership"), i => lines.Enqueue(i.Message.ToString()!));
    }

    private sealed class Applier : ReceiveActor
    {
        public Applier(ConcurrentDictionary<long, byte[]> log) => Receive<Applied>(a => log[a.Index] = a.Command);
    }
}
