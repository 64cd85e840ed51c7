using Akka.Actor;

namespace AkkaRaft.Actors;

/// <summary>
/// How a peer reaches each other member of its group, by stable id. The id is the identity; the
/// <see cref="IActorRef"/> or <see cref="ActorPath"/> is only today's route to it, so the same peer runs
/// in one ActorSystem (refs) or across processes over Akka.Remote (paths).
/// </summary>
public sealed class RaftPeers
{
    private readonly IReadOnlyDictionary<string, IActorRef>? _refs;
    private readonly IReadOnlyDictionary<string, ActorPath>? _paths;

    private RaftPeers(IReadOnlyDictionary<string, IActorRef>? refs, IReadOnlyDictionary<string, ActorPath>? paths)
    {
        _refs = refs;
        _paths = paths;
    }

    /// <summary>Peers reached through actor references (one ActorSystem, or refs already resolved).</summary>
    public static RaftPeers FromRefs(IReadOnlyDictionary<string, IActorRef> refs) =>
        new(new Dictionary<string, IActorRef>(refs ?? throw new ArgumentNullException(nameof(refs)), StringComparer.Ordinal), null);

    /// <summary>
    /// Peers reached through actor paths (for example <c>akka.tcp://raft@10.0.0.2:4053/user/raft</c>). A peer given
    /// these also sends Akka's <see cref="Identify"/> once a second to each peer whose id sorts after its own, to keep the
    /// association to it live while followers have nothing else to say to each other.
    /// </summary>
    public static RaftPeers FromPaths(IReadOnlyDictionary<string, ActorPath> paths) =>
        new(null, new Dictionary<string, ActorPath>(paths ?? throw new ArgumentNullException(nameof(paths)), StringComparer.Ordinal));

    /// <summary>The ids this directory can reach.</summary>
    public IReadOnlyCollection<string> Ids => (IReadOnlyCollection<string>?)_refs?.Keys ?? _paths!.Keys.ToArray();

    /// <summary>Routes usable outside an actor (a client): refs as they are, paths as selections from <paramref name="system"/>.</summary>
    internal IReadOnlyDictionary<string, ICanTell> Resolve(ActorSystem system) =>
        _refs is not null
            ? _refs.ToDictionary(kv => kv.Key, kv => (ICanTell)kv.Value, StringComparer.Ordinal)
            : _paths!.ToDictionary(kv => kv.Key, kv => (ICanTell)system.ActorSelection(kv.Value), StringComparer.Ordinal);

    /// <summary>True when the peers are reached by actor path (over Akka.Remote, typically).</summary>
    internal bool ByPath => _paths is not null;

    /// <summary>Binds the routes for one actor incarnation: a send function by id.</summary>
    internal IReadOnlyDictionary<string, ICanTell> Bind(IActorContext context) =>
        _refs is not null
            ? _refs.ToDictionary(kv => kv.Key, kv => (ICanTell)kv.Value, StringComparer.Ordinal)
            : _paths!.ToDictionary(kv => kv.Key, kv => (ICanTell)context.ActorSelection(kv.Value), StringComparer.Ordinal);
}
