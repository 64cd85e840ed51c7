using System.Net.Sockets;
using Akka.Configuration;
using Akka.Persistence.Sql;
using AkkaRaft.Actors;
using AkkaRaft.KeyValue;
using Microsoft.Data.Sqlite;

namespace AkkaRaft.Host;

/// <summary>`node`: one process, one ActorSystem on Akka.Remote, one key-value server (and its Raft peer), one SQLite file.</summary>
internal static class NodeCommand
{
    /// <summary>
    /// A node of the cluster file. Its members there are only its initial configuration: once changes were made it
    /// recovers the configuration from its own journal. A node that joined (its data directory records the group it
    /// joined) starts as a joining node again, whatever the file says.
    /// </summary>
    public static async Task<int> Run(ClusterFile cluster, string? id, string? dataDirectory)
    {
        var me = cluster.Node(id);
        var directory = dataDirectory ?? cluster.DataDirectory;
        if (JoinGate.ReadRecord(JoinGate.RecordFile(directory, me.Id)) is { } joined)
            return await RunJoin(cluster.Config, me, directory, joined);
        var routes = RaftPeers.FromPaths(cluster.Nodes.Where(n => n.Id != me.Id).ToDictionary(n => n.Id, n => ActorPath.Parse(n.ServerPath)));
        var settings = cluster.Settings.WithPeerId(me.Id);
        return await Serve(me, directory, cluster.Config, settings, cluster.HandoverLinger,
            _ => KvServer.Props(settings, routes), $"{me.Id} of {settings.ClusterId}", settings.ToString());
    }

    /// <summary>
    /// A node that starts empty and waits to be added (<c>akka.raft.join = on</c>): it never campaigns, and learns its
    /// group's cluster id from the leader that adds it (<see cref="JoinGate"/>) unless <paramref name="clusterId"/>
    /// pins it or its data directory recorded it. <paramref name="config"/> gives the Raft and Akka settings (a cluster
    /// file's, or none for the defaults); its member list is not used.
    /// </summary>
    public static async Task<int> RunJoin(Config config, NodeAddress me, string directory, string? clusterId)
    {
        var recorded = JoinGate.ReadRecord(JoinGate.RecordFile(directory, me.Id));
        if (recorded is not null && clusterId is not null && recorded != clusterId)
            throw new HostError($"--cluster-id {clusterId}: {JoinGate.RecordFile(directory, me.Id)} records that {me.Id} joined group {recorded}");
        var known = clusterId ?? recorded;
        var baseSettings = JoinSettings(config, me.Id, known);
        var linger = config.GetTimeSpan("akkaraft.handover-linger", TimeSpan.FromMilliseconds(300), allowInfinite: false);
        Func<string, Props> server = group => KvServer.Props(baseSettings.WithClusterId(group), RaftPeers.FromPaths(new Dictionary<string, ActorPath>()));
        var record = Path.GetFullPath(JoinGate.RecordFile(directory, me.Id));
        var banner = known is null
            ? $"{me.Id} waits to be added to a group at {me.ServerPath} (for example: add {me.Id} {me.Host}:{me.Port} --config FILE)"
            : $"{me.Id} of {known} (joined)";
        return await Serve(me, directory, config, baseSettings, linger,
            _ => Props.Create(() => new JoinGate(me.Id, record, known, server)), banner, baseSettings.ToString());
    }

    /// <summary>The settings of a joining node: <paramref name="config"/>'s, with no members and join on.</summary>
    private static RaftSettings JoinSettings(Config config, string id, string? clusterId)
    {
        try
        {
            var settings = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft { members = [], join = on }").WithFallback(config)).WithPeerId(id);
            return clusterId is null ? settings : settings.WithClusterId(clusterId);
        }
        catch (ConfigurationException e)
        {
            throw new HostError(string.Join(" ", e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        }
    }

    /// <summary>Runs one node until it is stopped: its ActorSystem on Akka.Remote, its SQLite file, its server at <c>/user/kv</c>.</summary>
    private static async Task<int> Serve(NodeAddress me, string directory, Config baseConfig, RaftSettings settings, TimeSpan linger,
        Func<ActorSystem, Props> serverProps, string who, string settingsLine)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new HostError($"cannot create the data directory {directory}: {e.Message}");
        }
        var database = Path.GetFullPath(Path.Combine(directory, $"{me.Id}.db"));
        PrepareDatabase(database);
        CheckPortFree(me.BindHost ?? me.Host, me.Port);

        var config = JournalConfig(database, AppContext.BaseDirectory)
            .WithFallback(ClusterFile.RemoteConfig(baseConfig, me.Host, me.Port, me.BindHost, "INFO"))
            .WithFallback(SqlPersistence.DefaultConfiguration);

        ActorSystem system;
        try
        {
            system = ActorSystem.Create(ClusterFile.SystemName, config);
        }
        catch (Exception e) when (Find<SocketException>(e) is { } socket)
        {
            throw new HostError($"cannot listen on {me.BindHost ?? me.Host}:{me.Port}: {socket.Message}");
        }

        var server = system.ActorOf(serverProps(system), "kv");
        var serverStopped = server.WatchAsync();
        Console.WriteLine($"{who} listening on {me.Host}:{me.Port}, data in {database}; Ctrl-C stops it");
        Console.WriteLine(settingsLine);

        // A leader that is shutting down hands leadership over first, so clients wait for no election timeout.
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "raft-hand-over-leadership",
            () => LeadershipHandover.Run(server, me.Id, settings.ElectionTimeoutMax * 2, linger));
        // Ctrl-C and SIGTERM run Akka's CoordinatedShutdown: the node leaves cleanly, its journal intact.
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        };
        if (await Task.WhenAny(system.WhenTerminated, serverStopped) == serverStopped && CoordinatedShutdown.Get(system).ShutdownReason is null)
        {
            // Not a shutdown: the peer's journal could not be recovered (the log says why). A process without its
            // peer must not look alive; exit so that whatever runs the node sees the failure.
            await system.Terminate();
            Console.Error.WriteLine($"error: {me.Id}'s Raft peer stopped because its journal in {database} could not be recovered; see the log above");
            return 1;
        }
        await system.WhenTerminated;
        return 0;
    }

    /// <summary>
    /// The node's journal and snapshot store: hocon/sqlite-journal.hocon as shipped (the build copies it into
    /// <paramref name="programDirectory"/>), with the node's <paramref name="database"/> file and a longer recovery bound.
    /// recovery-event-timeout bounds how long recovery waits for each answer from the journal; past it the peer stays
    /// stopped for good. PrepareDatabase has already refused a file that is not a database, so the bound only has to
    /// catch a journal that hangs, and must not catch a slow start: the plugin's first use took 11 s with three nodes
    /// starting on a busy two-core machine, and a 10 s bound left a node running with no Raft peer.
    /// </summary>
    /// <exception cref="HostError">The shipped file cannot be read.</exception>
    internal static Config JournalConfig(string database, string programDirectory)
    {
        var path = Path.Combine(programDirectory, "hocon", "sqlite-journal.hocon");
        Config shipped;
        try
        {
            shipped = ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostError($"cannot read the journal settings {path} (the build puts them beside the program): {e.Message}");
        }
        return ConfigurationFactory.ParseString($$"""
                akka.persistence.journal.sql { connection-string = "Data Source={{database}}", recovery-event-timeout = 60s }
                akka.persistence.snapshot-store.sql.connection-string = "Data Source={{database}}"
                """)
            .WithFallback(shipped);
    }

    /// <summary>A port already taken (most likely by this very node, started twice) stops the node before it starts.</summary>
    private static void CheckPortFree(string host, int port)
    {
        try
        {
            var addresses = System.Net.Dns.GetHostAddresses(host);
            if (addresses.Length == 0) throw new HostError($"{host} does not resolve to an address");
            var listener = new System.Net.Sockets.TcpListener(addresses[0], port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
            listener.Start();
            listener.Stop();
        }
        catch (SocketException e)
        {
            throw new HostError($"cannot listen on {host}:{port}: {e.Message}");
        }
    }

    /// <summary>An existing file that is not a readable SQLite database stops the node before it starts, with the reason.</summary>
    /// <summary>
    /// Refuses a file that is not a sound SQLite database, then puts it (or the new file) in write-ahead-log mode.
    /// </summary>
    /// <remarks>
    /// In WAL mode with SQLite's default synchronous = FULL a commit appends to one log file and syncs it once,
    /// where the default rollback journal syncs a journal, the database and the directory: measured with the
    /// benchmark, 64 proposers went from 8,986 to 19,147 commits/s over Akka.Remote, and one proposer's median
    /// from 5.2 to 1.8 ms, with every commit still on disk before it is acknowledged. The mode is stored in the
    /// file, so the journal plugin's own connections use it.
    /// </remarks>
    internal static void PrepareDatabase(string file)
    {
        var existed = File.Exists(file);
        try
        {
            // Read-write: a node killed in mid-write may leave a hot rollback journal (or a WAL) beside the file,
            // and SQLite must roll it back or replay it before anything can be read, which read-only refuses to do.
            using var connection = new SqliteConnection($"Data Source={file};Mode={(existed ? "ReadWrite" : "ReadWriteCreate")}");
            connection.Open();
            using var command = connection.CreateCommand();
            if (existed)
            {
                command.CommandText = "PRAGMA quick_check";
                var verdict = command.ExecuteScalar() as string;
                if (verdict != "ok") throw new HostError($"{file} is damaged: {verdict}");
            }
            command.CommandText = "PRAGMA journal_mode=WAL";
            var mode = command.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new HostError($"{file} cannot be put in write-ahead-log mode (SQLite answered '{mode}')");
        }
        catch (SqliteException e)
        {
            throw new HostError($"{file} is not a readable SQLite database: {e.Message}");
        }
    }

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found) return found;
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Select(Find<T>).FirstOrDefault(x => x is not null) is { } inner) return inner;
        }
        return null;
    }
}
