using Akka.Actor;
using Akka.Configuration;
using AkkaRaft.Host;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// A node's server, everything it starts and Akka.Remote's endpoints share one dedicated thread unless the cluster
/// file says <c>akkaraft.node-thread = off</c>; so does the RocksDB journal, while the SQLite journal, the snapshot store
/// and any other actor stay on Akka's default dispatcher.
/// Each test builds the node's configuration as the node does and starts actors at the node's paths.
/// </summary>
public sealed class NodeThreadTests : Akka.TestKit.Xunit2.TestKit
{
    public NodeThreadTests() : base(NodeConfig(Config.Empty)) { }

    /// <summary>A node's configuration as the node builds it; its store is only named, so its directory can go at once.</summary>
    private static Config NodeConfig(Config clusterFile)
    {
        var me = new NodeAddress("n1", "127.0.0.1", 0, null);
        var directory = Directory.CreateTempSubdirectory("akkaraft-node-thread-").FullName;
        try
        {
            var storage = NodeStorage.Prepare(clusterFile, directory, me.Id, AppContext.BaseDirectory);
            return NodeCommand.Config(storage, clusterFile, me, NodeThread.For(clusterFile));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed record Where(string Path, string Dispatcher, int Thread);

    /// <summary>Starts the children it is told to, and says where it runs.</summary>
    private sealed class Probe : ReceiveActor
    {
        public Probe()
        {
            Receive<string>(child => Sender.Tell(Context.ActorOf(Props.Create(() => new Probe()), child)));
            Receive<Where>(_ => Sender.Tell(new Where(Self.Path.ToStringWithoutAddress(), Context.Dispatcher.Id, Environment.CurrentManagedThreadId)));
        }
    }

    /// <summary>Starts <paramref name="path"/> (under /user) in <paramref name="system"/>, parents first, and asks each actor on it where it runs.</summary>
    private static async Task<List<Where>> Start(ActorSystem system, params string[] path)
    {
        var timeout = TimeSpan.FromSeconds(10);
        var actor = system.ActorOf(Props.Create(() => new Probe()), path[0]);
        var found = new List<Where> { await actor.Ask<Where>(new Where("", "", 0), timeout) };
        foreach (var name in path.Skip(1))
        {
            actor = await actor.Ask<IActorRef>(name, timeout);
            found.Add(await actor.Ask<Where>(new Where("", "", 0), timeout));
        }
        return found;
    }

    [Fact]
    public async Task The_server_its_peer_and_the_remote_endpoints_share_one_thread()
    {
        var started = await Start(Sys, "kv", "raft", "n1-1");

        Assert.Equal(["/user/kv", "/user/kv/raft", "/user/kv/raft/n1-1"], started.Select(w => w.Path));
        Assert.All(started, w => Assert.Equal(NodeThread.DispatcherId, w.Dispatcher));
        Assert.Single(started.Select(w => w.Thread).Distinct());
        Assert.Equal(NodeThread.DispatcherId, Sys.Settings.Config.GetString("akka.remote.use-dispatcher"));
    }

    [Fact]
    public async Task A_joining_node_s_server_and_peer_share_the_same_thread()
    {
        var started = await Start(Sys, "kv", "server", "raft", "n1-1");

        Assert.All(started, w => Assert.Equal(NodeThread.DispatcherId, w.Dispatcher));
        Assert.Single(started.Select(w => w.Thread).Distinct());
    }

    [Fact]
    public async Task Actors_elsewhere_and_the_snapshot_store_keep_the_default_dispatcher()
    {
        var elsewhere = await Start(Sys, "other");

        Assert.Equal("akka.actor.default-dispatcher", elsewhere[0].Dispatcher);
        Assert.Equal("akka.actor.default-dispatcher", Sys.Settings.Config.GetString("akka.persistence.snapshot-store.rocksdb.plugin-dispatcher"));
    }

    [Fact]
    public void The_RocksDB_journal_runs_on_the_thread_and_the_SQLite_journal_on_the_pool()
    {
        Assert.Equal(NodeThread.DispatcherId, Sys.Settings.Config.GetString("akka.persistence.journal.rocksdb.plugin-dispatcher"));

        var sqlite = NodeConfig(ConfigurationFactory.ParseString("akkaraft.journal = sqlite"));
        Assert.Equal("akka.persistence.journal.sql", sqlite.GetString("akka.persistence.journal.plugin"));
        Assert.NotEqual(NodeThread.DispatcherId, sqlite.GetString("akka.persistence.journal.sql.plugin-dispatcher")); // its plugin's own
    }

    [Fact]
    public async Task Off_leaves_every_actor_on_the_default_dispatcher()
    {
        var system = ActorSystem.Create("akkaraft", NodeConfig(ConfigurationFactory.ParseString($"{NodeThread.Key} = off")));
        try
        {
            var started = await Start(system, "kv", "raft", "n1-1");

            Assert.All(started, w => Assert.Equal("akka.actor.default-dispatcher", w.Dispatcher));
            Assert.NotEqual(NodeThread.DispatcherId, system.Settings.Config.GetString("akka.remote.use-dispatcher"));
            Assert.Equal("akka.actor.default-dispatcher", system.Settings.Config.GetString("akka.persistence.journal.rocksdb.plugin-dispatcher"));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public void A_cluster_file_can_move_a_path_back_to_the_default_dispatcher()
    {
        var config = NodeConfig(ConfigurationFactory.ParseString("akka.remote.use-dispatcher = akka.remote.default-remote-dispatcher"));

        Assert.Equal("akka.remote.default-remote-dispatcher", config.GetString("akka.remote.use-dispatcher"));
        Assert.Equal(NodeThread.DispatcherId, config.GetString("akka.actor.deployment.\"/kv\".dispatcher"));
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("2")]
    public void Anything_but_on_or_off_is_refused_by_name(string value)
    {
        var error = Assert.Throws<HostError>(() => NodeThread.For(ConfigurationFactory.ParseString($"{NodeThread.Key} = \"{value}\"")));

        Assert.Equal($"akkaraft.node-thread must be on or off, is '{value}'", error.Message);
    }
}
