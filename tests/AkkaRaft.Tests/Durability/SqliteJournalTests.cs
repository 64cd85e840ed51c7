using System.Collections.Concurrent;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Akka.TestKit.Xunit2;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Durability;

/// <summary>
/// The shipped durable default, hocon/sqlite-journal.hocon, for real: three ActorSystems, each with its own
/// SQLite file, commit entries, are all shut down, and come back from their files.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class SqliteJournalTests(ITestOutputHelper output) : SqliteFileKit(output)
{
    private sealed record Node(ActorSystem System, IActorRef Peer);

    /// <summary>Forwards to a peer in another ActorSystem once told which; a stand-in for a network route.</summary>
    private sealed class Relay : ReceiveActor
    {
        public Relay() => Receive<IActorRef>(target => Become(() => ReceiveAny(m => target.Tell(m, Sender))));
    }

    /// <summary>Starts n1..n3, each in its own ActorSystem with its own database file, applying to <paramref name="applied"/>.</summary>
    private Node[] StartCluster(ConcurrentDictionary<string, ConcurrentDictionary<long, byte[]>> applied)
    {
        string[] ids = ["n1", "n2", "n3"];
        var settings = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft { cluster-id = sqlite, members = [n1, n2, n3], leader-no-op = off }"));
        var systems = ids.ToDictionary(id => id, id => ActorSystem.Create($"sqlite-{id}", SqliteConfig(Path.Combine(Dir, $"{id}.db"))));
        var relays = ids.ToDictionary(id => id, id => systems[id].ActorOf(Props.Create(() => new Relay()), $"route-to-{id}"));
        var nodes = ids.Select(id =>
        {
            var log = applied.GetOrAdd(id, _ => new ConcurrentDictionary<long, byte[]>());
            log.Clear();
            var applier = systems[id].ActorOf(Props.Create(() => new Applier(log)), "applier");
            var routes = ids.Where(o => o != id).ToDictionary(o => o, o => relays[o]);
            return new Node(systems[id], systems[id].ActorOf(RaftActor.Props(settings.WithPeerId(id), RaftPeers.FromRefs(routes), new RaftActorOptions { ApplyTo = applier }), "raft"));
        }).ToArray();
        foreach (var (id, node) in ids.Zip(nodes)) relays[id].Tell(node.Peer);
        return nodes;
    }

    private sealed class Applier : ReceiveActor
    {
        public Applier(ConcurrentDictionary<long, byte[]> log) => Receive<Applied>(a => log[a.Index] = a.Command);
    }

    private static async Task<IActorRef> Leader(Node[] nodes)
    {
        IActorRef? leader = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (leader is null && DateTime.UtcNow < deadline)
        {
            foreach (var n in nodes)
            {
                if ((await n.Peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(5))).IsLeader) leader = n.Peer;
            }
            if (leader is null) await Task.Delay(50);
        }
        return leader ?? throw new Xunit.Sdk.XunitException("no leader within 10 s");
    }

    private static async Task Shutdown(Node[] nodes) => await Task.WhenAll(nodes.Select(n => n.System.Terminate()));

    [Fact]
    public async Task A_cluster_restarted_from_its_SQLite_files_keeps_its_log_and_committed_prefix()
    {
        var applied = new ConcurrentDictionary<string, ConcurrentDictionary<long, byte[]>>();
        var nodes = StartCluster(applied);
        var leader = await Leader(nodes);
        for (var i = 1; i <= 20; i++)
        {
            var accepted = await leader.Ask<ProposeAccepted>(new Propose([(byte)i, 42]), TimeSpan.FromSeconds(5));
            Assert.Equal(i, accepted.Index);
        }
        await AwaitAssertAsync(() => Assert.All(applied.Values, log => Assert.Equal(20, log.Count)), TimeSpan.FromSeconds(10));
        var before = applied["n1"].OrderBy(kv => kv.Key).Select(kv => Convert.ToHexString(kv.Value)).ToArray();
        await Shutdown(nodes);

        nodes = StartCluster(applied);
        foreach (var n in nodes)
            Assert.Equal(20, (await n.Peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(10))).LastLogIndex);
        // A leader of the new term commits its own entry, and with it the recovered prefix (§5.4.2).
        leader = await Leader(nodes);
        var next = await leader.Ask<ProposeAccepted>(new Propose([99]), TimeSpan.FromSeconds(5));
        Assert.Equal(21, next.Index);
        await AwaitAssertAsync(() => Assert.All(applied.Values, log => Assert.Equal(21, log.Count)), TimeSpan.FromSeconds(10));
        foreach (var log in applied.Values)
            Assert.Equal(before, log.OrderBy(kv => kv.Key).Take(20).Select(kv => Convert.ToHexString(kv.Value)).ToArray());
        await Shutdown(nodes);
    }
}

/// <summary>
/// A SQLite file that the plugin cannot open as a database: the peer, and the key-value server around it, stop with
/// an error that names the cause. No timing bound is at stake, so these run beside the parallel tests.
/// </summary>
public sealed class SqliteJournalErrorTests(ITestOutputHelper output) : SqliteFileKit(output)
{
    /// <summary>
    /// The shipped file waits 10 s for recovery; a file that is not a database fails the plugin at once, so the
    /// tests of that failure wait less for the same outcome.
    /// </summary>
    private static readonly Config QuickRecoveryTimeout = ConfigurationFactory.ParseString("akka.persistence.journal.sql.recovery-event-timeout = 4s");

    [Fact]
    public async Task A_key_value_server_whose_peer_cannot_recover_stops_too()
    {
        var file = Path.Combine(Dir, "corrupt-kv.db");
        var garbage = new byte[8192];
        new Random(11).NextBytes(garbage);
        await File.WriteAllBytesAsync(file, garbage);

        var system = ActorSystem.Create("sqlite-corrupt-kv", QuickRecoveryTimeout.WithFallback(SqliteConfig(file)));
        try
        {
            var settings = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft { cluster-id = sqlite, members = [n1] }")).WithPeerId("n1");
            var server = system.ActorOf(AkkaRaft.KeyValue.KvServer.Props(settings, RaftPeers.FromRefs(new Dictionary<string, IActorRef>())), "kv");
            // A server without its peer would answer nothing while looking alive; it stops, so the Host's node can exit.
            var watcher = CreateTestProbe(system);
            watcher.Watch(server);
            watcher.ExpectTerminated(server, TimeSpan.FromSeconds(60));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task A_corrupt_database_file_stops_the_peer_with_a_clear_error()
    {
        var file = Path.Combine(Dir, "corrupt.db");
        var garbage = new byte[8192];
        new Random(7).NextBytes(garbage);
        await File.WriteAllBytesAsync(file, garbage);

        var system = ActorSystem.Create("sqlite-corrupt", QuickRecoveryTimeout.WithFallback(SqliteConfig(file)).WithFallback(ConfigurationFactory.ParseString("""
            akka.loggers = ["Akka.TestKit.TestEventListener, Akka.TestKit"]
            """)));
        try
        {
            var errors = CreateTestProbe(system);
            system.EventStream.Subscribe(errors, typeof(Akka.Event.Error));
            var settings = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft { cluster-id = sqlite, members = [n1] }")).WithPeerId("n1");
            var supervisor = system.ActorOf(RaftActor.SupervisedProps(settings, RaftPeers.FromRefs(new Dictionary<string, IActorRef>())), "raft");
            var watcher = CreateTestProbe(system);
            watcher.Watch(supervisor);
            watcher.ExpectTerminated(supervisor, TimeSpan.FromSeconds(60));
            var messages = new List<string>();
            while (errors.HasMessages) messages.Add(errors.ExpectMsg<Akka.Event.Error>().ToString()!);
            Output.WriteLine(string.Join("\n", messages));
            // The peer says it cannot recover and stays stopped; the journal names the cause.
            Assert.Contains(messages, m => m.Contains("cannot recover its Raft state from the journal"));
            Assert.Contains(messages, m => m.Contains("file is not a database"));
        }
        finally
        {
            await system.Terminate();
        }
    }
}

/// <summary>A TestKit with a fresh directory for SQLite files, deleted afterwards, and the shipped SQLite configuration.</summary>
public abstract class SqliteFileKit : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private protected SqliteFileKit(ITestOutputHelper output) : base("akka.loglevel = INFO", output: output) =>
        Directory.CreateDirectory(Dir);

    /// <summary>This test's directory for database files.</summary>
    private protected string Dir { get; } = Path.Combine(Path.GetTempPath(), "akkaraft-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The shipped file with the connection string pointed at <paramref name="dbFile"/>.</summary>
    internal static Config SqliteConfig(string dbFile)
    {
        var shipped = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "sqlite-journal.hocon"));
        return ConfigurationFactory.ParseString($"""
                akka.loglevel = INFO
                akka.persistence.journal.sql.connection-string = "Data Source={dbFile}"
                akka.persistence.snapshot-store.sql.connection-string = "Data Source={dbFile}"
                """)
            .WithFallback(ConfigurationFactory.ParseString(shipped))
            .WithFallback(SqlPersistence.DefaultConfiguration);
    }

    public new void Dispose()
    {
        base.Dispose();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
