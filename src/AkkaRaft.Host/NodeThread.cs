using Akka.Configuration;

namespace AkkaRaft.Host;

/// <summary>
/// With <c>akkaraft.node-thread = on</c> (the default) a node runs its key-value server, the Raft peer under it and
/// Akka.Remote's endpoints on one dedicated thread. A request, its proposal, the peer's AppendEntries and the answer
/// then pass from actor to actor by queueing on that thread instead of waking a pool thread for each hand-off; with
/// three nodes on two cores that saved about a quarter of the nodes' processor time per put. The RocksDB journal's
/// actor runs there too, so a follower's append reaches the journal without a pool thread: it never blocks, as its
/// reads run on the pool and its synced writes on its writer thread. The SQLite journal, whose calls block, and the
/// snapshot stores keep Akka's default dispatcher. <c>off</c> leaves every actor on Akka's default dispatchers.
/// </summary>
internal static class NodeThread
{
    public const string Key = "akkaraft.node-thread";
    public const string DispatcherId = "akkaraft.node-dispatcher";

    /// <summary>
    /// The dispatcher and its assignments; below the cluster file's own settings, so a file can still move any of them.
    /// The paths cover the server at <c>/user/kv</c> and what it starts: <c>raft</c> and the peer under it, or, on a node
    /// that joins, the gate's <c>server</c> with both under that.
    /// </summary>
    private static readonly Config Settings = ConfigurationFactory.ParseString($$"""
        {{DispatcherId}} {
          type = ForkJoinDispatcher
          throughput = 100
          dedicated-thread-pool.thread-count = 1
        }
        akka.actor.deployment {
          /kv.dispatcher = {{DispatcherId}}
          "/kv/*".dispatcher = {{DispatcherId}}
          "/kv/*/*".dispatcher = {{DispatcherId}}
          "/kv/*/*/*".dispatcher = {{DispatcherId}}
        }
        akka.remote.use-dispatcher = {{DispatcherId}}
        akka.persistence.journal.rocksdb.plugin-dispatcher = {{DispatcherId}}
        """);

    /// <summary>What <paramref name="config"/> (a cluster file's, or empty) asks for: the settings above, or none.</summary>
    /// <exception cref="HostError">The key is neither on nor off.</exception>
    public static Config For(Config config) => OnOffKey.Read(config, Key) ? Settings : Config.Empty;
}
