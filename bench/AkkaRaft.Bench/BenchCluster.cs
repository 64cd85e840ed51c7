using Akka.Configuration;
using Akka.Persistence.Sql;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Configuration;
using AkkaRaft.Actors.KeyValue;
using AkkaRaft.Actors.Messages;

namespace AkkaRaft.Bench;

/// <summary>
/// Three Raft peers (bare <see cref="RaftActor"/>s, or <see cref="KvServer"/>s that each run one) in a fresh
/// ActorSystem, wired as the Host wires them: each reaches the others by id through a forwarding proxy, so all can be
/// created before any exists. A driver actor, made first, generates the load.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    public const string Hocon = """
        akka {
          loglevel = WARNING
          persistence.journal.plugin = "akka.persistence.journal.inmem"
          persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
          raft {
            cluster-id = "bench"
            members = ["n1", "n2", "n3"]
          }
        }
        """;

    /// <summary>
    /// The key-value servers snapshot every 10,000 entries, so each peer's log, and the SQLite journal (whose events up
    /// to a snapshot are deleted), stay bounded however long the write rows run. Akka.NET 1.5.74's in-memory journal
    /// deletes only logically (a per-stream "deleted to" marker): with it, every event stays on the heap until the
    /// ActorSystem ends, so memory still grows with the writes of a row.
    /// </summary>
    public const string KvHocon = Hocon + """

        akka.raft.snapshot.log-entries = 10000
        """;

    private readonly Dictionary<string, IActorRef> _peers;
    private readonly string? _dataDirectory;
    private readonly ActorSystem[] _peerSystems;

    private BenchCluster(ActorSystem system, RaftSettings settings, IActorRef driver, Dictionary<string, IActorRef> peers, string? dataDirectory, ActorSystem[] peerSystems)
    {
        _dataDirectory = dataDirectory;
        _peerSystems = peerSystems;
        System = system;
        Settings = settings;
        Driver = driver;
        _peers = peers;
    }

    public ActorSystem System { get; }

    public RaftSettings Settings { get; }

    /// <summary>The actor that generates the load (for bare peers, also the one every peer applies committed entries to).</summary>
    public IActorRef Driver { get; }

    /// <summary>
    /// Starts bare peers; <paramref name="applyTo"/> makes their apply target, the driver, once the system exists. With
    /// <paramref name="journal"/> "sqlite" each peer runs in an ActorSystem of its own with its own SQLite database
    /// file (Akka.Persistence.Sql, Microsoft.Data.Sqlite) in a new temporary directory, removed on dispose.
    /// </summary>
    public static BenchCluster Start(string journal, Func<ActorSystem, IActorRef> applyTo) =>
        Start(journal, Hocon, applyTo, (settings, routes, target) => RaftActor.Props(settings, routes, new RaftActorOptions { ApplyTo = target }));

    /// <summary>
    /// Starts three key-value servers (snapshots per <see cref="KvHocon"/>), each the endpoint of its Raft peer and of
    /// client requests; <paramref name="driver"/> makes the client load. Journals as for <see cref="Start(string, Func{ActorSystem, IActorRef})"/>.
    /// </summary>
    public static BenchCluster StartKv(string journal, Func<ActorSystem, IActorRef> driver) =>
        Start(journal, KvHocon, driver, (settings, routes, _) => KvServer.Props(settings, routes));

    private static BenchCluster Start(string journal, string hocon, Func<ActorSystem, IActorRef> driver, Func<RaftSettings, RaftPeers, IActorRef, Props> peerProps)
    {
        var config = ConfigurationFactory.ParseString(hocon);
        var system = ActorSystem.Create("akkaraft-bench", config);
        var settings = RaftSettings.Create(system);
        var target = driver(system);
        string? dataDirectory = null;
        var peerSystems = settings.Members.ToDictionary(id => id, _ => system);
        if (journal == "sqlite")
        {
            dataDirectory = Directory.CreateTempSubdirectory("akkaraft-bench-").FullName;
            foreach (var id in settings.Members)
            {
                var file = Path.Combine(dataDirectory, id + ".db");
                peerSystems[id] = ActorSystem.Create($"akkaraft-bench-{id}", ConfigurationFactory.ParseString($$"""
                        akka.persistence.journal.plugin = "akka.persistence.journal.sql"
                        akka.persistence.journal.sql { connection-string = "Data Source={{file}}", provider-name = "SQLite.MS", auto-initialize = true }
                        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
                        akka.persistence.snapshot-store.sql { connection-string = "Data Source={{file}}", provider-name = "SQLite.MS", auto-initialize = true }
                        """).WithFallback(config).WithFallback(SqlPersistence.DefaultConfiguration));
            }
        }
        var proxies = settings.Members.ToDictionary(id => id, id => system.ActorOf(Props.Create(() => new Forwarder()), $"to-{id}"));
        var peers = settings.Members.ToDictionary(id => id, id => peerSystems[id].ActorOf(
            peerProps(settings.WithPeerId(id), RaftPeers.FromRefs(proxies.Where(p => p.Key != id).ToDictionary(p => p.Key, p => p.Value)), target), id));
        foreach (var (id, proxy) in proxies) proxy.Tell(peers[id]);
        return new BenchCluster(system, settings, target, peers, dataDirectory, peerSystems.Values.Where(s => s != system).ToArray());
    }

    /// <summary>The peer (or key-value server) <paramref name="id"/>.</summary>
    public IActorRef Peer(string id) => _peers[id];

    /// <summary>Asks every peer (a key-value server passes it to its own) for its state until one says it leads.</summary>
    public async Task<RaftState> WaitForLeader(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var peer in _peers.Values)
            {
                var state = await peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(15)); // first start creates the SQLite tables
                if (state.IsLeader) return state;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"no leader within {within.TotalSeconds} s");
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_peerSystems.Select(s => s.Terminate()));
        await System.Terminate();
        System.Dispose();
        if (_dataDirectory is not null) Directory.Delete(_dataDirectory, recursive: true);
    }
}

/// <summary>Forwards everything to the peer it was given; stands in for a network route.</summary>
internal sealed class Forwarder : ReceiveActor
{
    public Forwarder() =>
        Receive<IActorRef>(target => Become(() => ReceiveAny(m => target.Forward(m))));
}
