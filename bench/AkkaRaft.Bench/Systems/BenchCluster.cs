using Akka.Configuration;
using Akka.Persistence.Sql;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.KeyValue;
using AkkaRaft.Persistence.RocksDb;

namespace AkkaRaft.Bench;

/// <summary>
/// Three Raft peers (bare <see cref="RaftActor"/>s, or <see cref="KvServer"/>s that each run one) started fresh, in
/// one ActorSystem or one each. In-process, each reaches the others by id through a forwarding proxy, so all can be
/// created before any exists; over Akka.Remote, by actor path, as the Host wires them. A driver actor, made first in
/// an ActorSystem of its own, generates the load.
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

    /// <summary>The durable store of a mode: "rocksdb" in the rocksdb and remote modes, "sqlite" in sqlite and remote-sqlite, none in memory.</summary>
    public static string? StoreOf(string mode) => mode switch
    {
        "rocksdb" or "remote" => "rocksdb",
        "sqlite" or "remote-sqlite" => "sqlite",
        _ => null,
    };

    /// <summary>Whether the peers of a mode reach each other over Akka.Remote.</summary>
    public static bool IsRemote(string mode) => mode is "remote" or "remote-sqlite";

    /// <summary>Peer <paramref name="id"/>'s journal and snapshot store of kind <paramref name="store"/> in <paramref name="directory"/>.</summary>
    public static Config StoreConfig(string store, string directory, string id) => store == "rocksdb"
        ? RocksDbConfig(Path.Combine(directory, id + ".rocksdb"))
        : SqliteConfig(Path.Combine(directory, id + ".db"));

    /// <summary>
    /// The RocksDB journal and snapshot store of one peer, in the database directory <paramref name="path"/>: the
    /// shipped hocon/rocksdb-journal.hocon (copied beside the benchmark by its build), with the path replaced.
    /// </summary>
    public static Config RocksDbConfig(string path)
    {
        var shipped = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "rocksdb-journal.hocon")));
        return ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.rocksdb.path = "{{path}}"
            akka.persistence.snapshot-store.rocksdb.path = "{{path}}"
            """).WithFallback(shipped).WithFallback(RocksDbPersistence.DefaultConfiguration);
    }

    /// <summary>
    /// The SQLite journal and snapshot store of one peer, in <paramref name="file"/>: the shipped
    /// hocon/sqlite-journal.hocon (copied beside the benchmark by its build), with the file replaced.
    /// </summary>
    public static Config SqliteConfig(string file)
    {
        UseWriteAheadLog(file);
        var shipped = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "sqlite-journal.hocon")));
        return ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.sql.connection-string = "Data Source={{file}}"
            akka.persistence.snapshot-store.sql.connection-string = "Data Source={{file}}"
            """).WithFallback(shipped).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>As the Host's node does (NodeStorage.PrepareSqlite): one synced log append per commit instead of a rollback journal.</summary>
    private static void UseWriteAheadLog(string file)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL";
        if (command.ExecuteScalar() as string != "wal") throw new InvalidOperationException($"{file}: SQLite refused write-ahead-log mode");
    }

    /// <summary>
    /// Akka.Remote on an ephemeral loopback port, with the settings the Host's <c>node</c> runs with
    /// (src/AkkaRaft.Host/ClusterFile.cs): default transport and failure detector, a short retry gate.
    /// </summary>
    public const string RemoteHocon = """
        akka {
          actor.provider = remote
          remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, tcp-reuse-addr = off }
          remote.retry-gate-closed-for = 200ms
        }
        """;

    /// <summary>Name of every peer's ActorSystem in the remote mode, as the Host names its nodes'.</summary>
    public const string RemoteSystemName = "akkaraft";

    private readonly Dictionary<string, IActorRef> _peers;
    private readonly string? _dataDirectory;
    private readonly string? _store;
    private readonly Dictionary<string, ActorSystem> _peerSystems;
    private readonly Config _config;

    private BenchCluster(ActorSystem system, RaftSettings settings, IActorRef driver, Dictionary<string, IActorRef> peers, string? dataDirectory, string? store, Dictionary<string, ActorSystem> peerSystems, Config config)
    {
        _config = config;
        _store = store;
        _dataDirectory = dataDirectory;
        _peerSystems = peerSystems;
        System = system;
        Settings = settings;
        Driver = driver;
        _peers = peers;
    }

    /// <summary>The driver's ActorSystem (in the memory mode, the peers' too).</summary>
    public ActorSystem System { get; }

    public RaftSettings Settings { get; }

    /// <summary>The actor that generates the load (for bare peers, also the one every peer applies committed entries to).</summary>
    public IActorRef Driver { get; }

    /// <summary>
    /// Starts bare peers; <paramref name="applyTo"/> makes their apply target, the driver, once the system exists.
    /// Modes (<see cref="BenchOptions.AkkaRaftModes"/>): "memory" puts the peers in the driver's ActorSystem with Akka's
    /// in-memory journal; "rocksdb" gives each peer an ActorSystem of its own with its own RocksDB database
    /// (AkkaRaft.Persistence.RocksDb) in a new temporary directory, removed on dispose, the peers reaching each other
    /// in-process; "sqlite" the same with a SQLite file each (Akka.Persistence.Sql, Microsoft.Data.Sqlite); "remote"
    /// and "remote-sqlite" do the same as rocksdb and sqlite but the peers reach each other by path over Akka.Remote on
    /// loopback TCP, as the Host's nodes do. In every mode the driver talks to the peers in-process.
    /// <paramref name="extraHocon"/> goes on top of <see cref="Hocon"/> in every ActorSystem.
    /// </summary>
    public static BenchCluster Start(string mode, Func<ActorSystem, IActorRef> applyTo, string? extraHocon = null) =>
        Start(mode, extraHocon is null ? Hocon : Hocon + "\n" + extraHocon, applyTo, (settings, routes, target) => RaftActor.Props(settings, routes, new RaftActorOptions { ApplyTo = target }));

    /// <summary>
    /// Starts three key-value servers (snapshots per <see cref="KvHocon"/>), each the endpoint of its Raft peer and of
    /// client requests; <paramref name="driver"/> makes the client load. Modes as for <see cref="Start(string, Func{ActorSystem, IActorRef})"/>;
    /// <paramref name="reads"/> is every peer's <c>akka.raft.reads</c> (<see cref="BenchOptions.KnownReads"/>).
    /// </summary>
    public static BenchCluster StartKv(string mode, Func<ActorSystem, IActorRef> driver, string reads) =>
        Start(mode, $"{KvHocon}\nakka.raft.reads = {reads}", driver, (settings, routes, _) => KvServer.Props(settings, routes));

    private static BenchCluster Start(string mode, string hocon, Func<ActorSystem, IActorRef> driver, Func<RaftSettings, RaftPeers, IActorRef, Props> peerProps)
    {
        var config = ConfigurationFactory.ParseString(hocon);
        var system = ActorSystem.Create("akkaraft-bench", config);
        var settings = RaftSettings.Create(system);
        var target = driver(system);
        string? dataDirectory = null;
        var peerSystems = settings.Members.ToDictionary(id => id, _ => system);
        var store = StoreOf(mode);
        if (store is not null)
        {
            dataDirectory = Directory.CreateTempSubdirectory("akkaraft-bench-").FullName;
            foreach (var id in settings.Members)
            {
                var peerConfig = StoreConfig(store, dataDirectory, id);
                peerSystems[id] = IsRemote(mode)
                    ? ActorSystem.Create(RemoteSystemName, ConfigurationFactory.ParseString(RemoteHocon).WithFallback(peerConfig).WithFallback(config))
                    : ActorSystem.Create($"akkaraft-bench-{id}", peerConfig.WithFallback(config));
            }
        }
        foreach (var peerSystem in peerSystems.Values.Distinct()) RaftExtension.Get(peerSystem); // unsupervised peers start at once: start the clock from this thread (see RaftExtension)
        Dictionary<string, IActorRef> peers;
        if (IsRemote(mode))
        {
            // Each peer reaches the others by path, over TCP, exactly as a Host node does.
            var paths = settings.Members.ToDictionary(id => id, id => new RootActorPath(((ExtendedActorSystem)peerSystems[id]).Provider.DefaultAddress) / "user" / id);
            peers = settings.Members.ToDictionary(id => id, id => peerSystems[id].ActorOf(
                peerProps(settings.WithPeerId(id), RaftPeers.FromPaths(paths.Where(p => p.Key != id).ToDictionary(p => p.Key, p => p.Value)), target), id));
        }
        else
        {
            var proxies = settings.Members.ToDictionary(id => id, id => system.ActorOf(Props.Create(() => new Forwarder()), $"to-{id}"));
            peers = settings.Members.ToDictionary(id => id, id => peerSystems[id].ActorOf(
                peerProps(settings.WithPeerId(id), RaftPeers.FromRefs(proxies.Where(p => p.Key != id).ToDictionary(p => p.Key, p => p.Value)), target), id));
            foreach (var (id, proxy) in proxies) proxy.Tell(peers[id]);
        }
        return new BenchCluster(system, settings, target, peers, dataDirectory, store, peerSystems, config);
    }

    /// <summary>
    /// Remote mode only: starts peer <paramref name="id"/> with <c>akka.raft.join = on</c> (no members; it waits to be
    /// added) in an ActorSystem of its own, over Akka.Remote, with its own store of the cluster's kind, the other peers' settings
    /// otherwise. <paramref name="applyTo"/> makes its apply target in that system. Returns the peer and its address,
    /// the actor path to give <see cref="AddLearner"/>; <see cref="DisposeAsync"/> stops it with the rest.
    /// </summary>
    public (IActorRef Peer, string Address) StartJoiner(string id, Func<ActorSystem, IActorRef> applyTo)
    {
        if (_dataDirectory is null || _store is null || _peerSystems.Values.All(s => s.Name != RemoteSystemName))
            throw new InvalidOperationException("a joining peer needs the remote mode");
        var joinConfig = ConfigurationFactory.ParseString("akka.raft { join = on, members = [] }");
        var system = ActorSystem.Create(RemoteSystemName, ConfigurationFactory.ParseString(RemoteHocon)
            .WithFallback(StoreConfig(_store, _dataDirectory, id)).WithFallback(joinConfig).WithFallback(_config));
        _peerSystems[id] = system;
        RaftExtension.Get(system); // as for the other peers: start the clock from this thread
        var settings = RaftSettings.Create(system).WithPeerId(id);
        var peer = system.ActorOf(RaftActor.Props(settings, RaftPeers.FromPaths(new Dictionary<string, ActorPath>()), new RaftActorOptions { ApplyTo = applyTo(system) }), id);
        _peers[id] = peer;
        return (peer, peer.Path.ToStringWithAddress(((ExtendedActorSystem)system).Provider.DefaultAddress));
    }

    /// <summary>Ids of the peers whose ActorSystem still runs.</summary>
    public IEnumerable<string> LivePeers => _peers.Keys.Where(id => !_peerSystems[id].WhenTerminated.IsCompleted);

    /// <summary>
    /// Kills peer <paramref name="id"/> the way a crash of its process would: its ActorSystem is terminated (its
    /// journal file stays). Returns the termination, which completes after the peer has already stopped answering.
    /// Only where every peer has its own ActorSystem (every mode but memory).
    /// </summary>
    public Task Kill(string id)
    {
        var system = _peerSystems[id];
        if (system == System) throw new InvalidOperationException("the memory mode runs every peer in one ActorSystem: there is none to kill");
        return system.Terminate();
    }

    /// <summary>The ActorSystem of peer <paramref name="id"/>.</summary>
    public ActorSystem PeerSystem(string id) => _peerSystems[id];

    /// <summary>The peers' Raft settings as <see cref="Hocon"/> gives them (reference.conf defaults).</summary>
    public static RaftSettings DefaultSettings() => RaftSettings.Create(ConfigurationFactory.ParseString(Hocon));

    /// <summary>The peer (or key-value server) <paramref name="id"/>.</summary>
    public IActorRef Peer(string id) => _peers[id];

    /// <summary>
    /// One row's window, once the driver is loading <paramref name="leader"/>: warm up (<see cref="WarmUp.UntilJitQuiet"/>), measure, then ask the leader for
    /// its state. An election during the row makes its numbers about recovery, not the steady state, so a changed term
    /// or role marks the measurement failed (the driver hears role changes only in its own ActorSystem; the term tells
    /// in every mode).
    /// </summary>
    public async Task<(Measurement Measurement, RaftState After)> MeasureRow(RaftState leader, TimeSpan warmup, TimeSpan warmupMax, TimeSpan duration)
    {
        var server = Peer(leader.PeerId);
        var warmedUp = await WarmUp.UntilJitQuiet(warmup, warmupMax);
        Driver.Tell(BeginMeasurement.Instance);
        await Task.Delay(duration);
        var measurement = await Driver.Ask<Measurement>(EndMeasurement.Instance, TimeSpan.FromSeconds(30)) with { WarmedUp = warmedUp };
        var after = await server.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(15));
        if (!after.IsLeader || after.Term != leader.Term)
            measurement = measurement with { Failure = measurement.Failure ?? $"{leader.PeerId} lost leadership during the row (now {after.Role} at term {after.Term})" };
        return (measurement, after);
    }

    /// <summary>Asks every peer (a key-value server passes it to its own) for its state until one says it leads.</summary>
    public async Task<RaftState> WaitForLeader(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var id in LivePeers)
            {
                var state = await _peers[id].Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(15)); // first start creates the database
                if (state.IsLeader) return state;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"no leader within {within.TotalSeconds} s");
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_peerSystems.Values.Distinct().Where(s => s != System).Select(s => s.Terminate()));
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
