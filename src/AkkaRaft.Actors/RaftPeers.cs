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
    private readonly Func<string, string, IActorRef?>? _resolve;

    private RaftPeers(IReadOnlyDictionary<string, IActorRef>? refs, IReadOnlyDictionary<string, ActorPath>? paths, Func<string, string, IActorRef?>? resolve = null)
    {
        _refs = refs;
        _paths = paths;
        _resolve = resolve;
    }

    /// <summary>
    /// A copy that reaches a member these peers do not list (one added to the group later, whose address came in a
    /// configuration entry) through <paramref name="resolve"/>(id, address). When it is not given, or returns null, the
    /// member is reached by an actor selection of its address.
    /// </summary>
    public RaftPeers WithResolver(Func<string, string, IActorRef?> resolve) =>
        new(_refs, _paths, resolve ?? throw new ArgumentNullException(nameof(resolve)));

    /// <summary>The address a listed peer is known by in the initial configuration: its actor path, as text.</summary>
    internal string AddressOf(string id) =>
        _refs is not null ? _refs[id].Path.ToString() : _paths![id].ToString();

    /// <summary>A route to <paramref name="id"/> for one actor incarnation: the listed one, else the address resolved.</summary>
    internal ICanTell Route(IActorContext context, string id, string address)
    {
        if (_refs is not null && _refs.TryGetValue(id, out var r)) return r;
        if (_paths is not null && _paths.TryGetValue(id, out var p)) return context.ActorSelection(p);
        return (ICanTell?)_resolve?.Invoke(id, address) ?? context.ActorSelection(address);
    }

    /// <summary>True when <paramref name="id"/> is listed here, so it can be reached (and reach back) without an address.</summary>
    internal bool Lists(string id) => _refs?.ContainsKey(id) ?? _paths!.ContainsKey(id);

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
    internal Dictionary<string, ICanTell> Bind(IActorContext context) =>
        _refs is not null
            ? _refs.ToDictionary(kv => kv.Key, kv => (ICanTell)kv.Value, StringComparer.Ordinal)
            : _paths!.ToDictionary(kv => kv.Key, kv => (ICanTell)context.ActorSelection(kv.Value), StringComparer.Ordinal);
}
