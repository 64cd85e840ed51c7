using System.Collections.Concurrent;

namespace AkkaRaft.Hosting;

/// <summary>What a hosted peer or server needs known after it starts: its settings, its routes, and when it last knew a leader.</summary>
internal sealed class HostedPeer
{
    public HostedPeer(RaftSettings settings, IReadOnlyDictionary<string, ActorPath> paths, IActorRef actor, LeaderWatch leaders)
    {
        Settings = settings;
        Paths = paths;
        Actor = actor;
        Leaders = leaders;
    }

    public RaftSettings Settings { get; }

    /// <summary>The actor paths of the other members, by id.</summary>
    public IReadOnlyDictionary<string, ActorPath> Paths { get; }

    /// <summary>The registered actor: the peer's supervisor, or the key-value server.</summary>
    public IActorRef Actor { get; }

    public LeaderWatch Leaders { get; }
}

/// <summary>The peers and servers the hosting extensions started in one ActorSystem, by registry key.</summary>
internal sealed class RaftHostingRegistry : IExtension
{
    private readonly ConcurrentDictionary<Type, HostedPeer> _peers = new();

    public static RaftHostingRegistry Get(ActorSystem system) =>
        system.WithExtension<RaftHostingRegistry, RaftHostingRegistryProvider>();

    public void Add(Type key, HostedPeer peer)
    {
        if (!_peers.TryAdd(key, peer))
            throw new InvalidOperationException($"a Raft peer is registered under {key.Name} already in this ActorSystem; give each one its own key type");
    }

    public HostedPeer? Find(Type key) => _peers.TryGetValue(key, out var p) ? p : null;
}

/// <summary>Creates the <see cref="RaftHostingRegistry"/> of a system.</summary>
internal sealed class RaftHostingRegistryProvider : ExtensionIdProvider<RaftHostingRegistry>
{
    public override RaftHostingRegistry CreateExtension(ExtendedActorSystem system) => new();
}

/// <summary>
/// Since when one peer has known no leader, fed by <see cref="RaftRoleChanged"/> events: the health check tells an
/// election in progress from a group that cannot elect one.
/// </summary>
internal sealed class LeaderWatch
{
    private readonly TimeProvider _clock;
    private long _noLeaderSince; // a timestamp of _clock; 0 while a leader is known
    private readonly object _gate = new();

    public LeaderWatch(TimeProvider clock)
    {
        _clock = clock;
        _noLeaderSince = Math.Max(1, clock.GetTimestamp()); // a peer starts knowing no leader
    }

    public void Observe(string? leaderId)
    {
        lock (_gate)
        {
            if (leaderId is not null) _noLeaderSince = 0;
            else if (_noLeaderSince == 0) _noLeaderSince = Math.Max(1, _clock.GetTimestamp());
        }
    }

    /// <summary>How long no leader has been known; null while one is.</summary>
    public TimeSpan? NoLeaderFor
    {
        get
        {
            lock (_gate)
                return _noLeaderSince == 0 ? null : _clock.GetElapsedTime(_noLeaderSince);
        }
    }
}

/// <summary>
/// Feeds a <see cref="LeaderWatch"/> from the EventStream's <see cref="RaftRoleChanged"/> of one peer. Whoever creates it
/// subscribes it, before the peer starts, so that no change is missed.
/// </summary>
internal sealed class LeaderWatchActor : ReceiveActor
{
    public static Props Props(string clusterId, string peerId, LeaderWatch watch) =>
        Akka.Actor.Props.Create(() => new LeaderWatchActor(clusterId, peerId, watch));

    public LeaderWatchActor(string clusterId, string peerId, LeaderWatch watch)
    {
        Receive<RaftRoleChanged>(c => c.ClusterId == clusterId && c.PeerId == peerId, c => watch.Observe(c.LeaderId));
        Receive<RaftRoleChanged>(_ => { });
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
