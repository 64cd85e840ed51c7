using AkkaRaft.KeyValue;

namespace AkkaRaft.Hosting;

/// <summary>Clients of a key-value store started with <c>WithRaftKeyValueStore</c>.</summary>
public static class RaftKeyValueClientExtensions
{
    /// <summary>A client of the store registered under <see cref="RaftKeyValueStore"/> in <paramref name="system"/>.</summary>
    /// <exception cref="InvalidOperationException">No such store has started in this ActorSystem.</exception>
    public static KvClient CreateKvClient(this ActorSystem system, KvClientOptions? options = null) =>
        system.CreateKvClient<RaftKeyValueStore>(options);

    /// <summary>
    /// A client of the store registered under <typeparamref name="TKey"/> in <paramref name="system"/>: it reaches the
    /// local server and every other server at the paths of <see cref="RaftOptions.Members"/>, finds the leader, and
    /// retries as <see cref="KvClient"/> describes. Each client registers its own session and runs one operation at a
    /// time; create one per concurrent caller. Call it once the ActorSystem has started (after
    /// <c>IRequiredActor&lt;TKey&gt;.GetAsync</c> returns, from a hosted service).
    /// </summary>
    /// <exception cref="InvalidOperationException">No such store has started in this ActorSystem.</exception>
    public static KvClient CreateKvClient<TKey>(this ActorSystem system, KvClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        var server = RaftHostingRegistry.Get(system).Find(typeof(TKey))
            ?? throw new InvalidOperationException($"no key-value store is registered under {typeof(TKey).Name} in ActorSystem {system.Name}: add WithRaftKeyValueStore and wait for the system to start");
        var paths = new Dictionary<string, ActorPath>(server.Paths, StringComparer.Ordinal);
        paths[server.Settings.PeerId] = server.Actor.Path;
        return new KvClient(system, RaftPeers.FromPaths(paths), options);
    }
}
