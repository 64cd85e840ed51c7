using System.Net.Sockets;
using Akka.Configuration;
using AkkaRaft.Actors;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Host;

/// <summary>`node`: one process, one ActorSystem on Akka.Remote, one key-value server (and its Raft peer), one journal (<see cref="NodeStorage"/>).</summary>
internal static class NodeCommand
{
    /// <summary>
    /// A node of the cluster file. Its members there are only its initial configuration: once changes were made it
    /// recovers the configuration from its own journal. A node that joined (its data directory records the group it
    /// joined) starts as a joining node again, whatever the file says. With <paramref name="metricsPort"/> it serves its
    /// metrics there (<see cref="HostMetrics"/>).
    /// </summary>
    public static async Task<int> Run(ClusterFile cluster, string? id, string? dataDirectory, int? metricsPort = null)
    {
        var me = cluster.Node(id);
        var directory = dataDirectory ?? cluster.DataDirectory;
        if (JoinGate.ReadRecord(JoinGate.RecordFile(directory, me.Id)) is { } joined)
            return await RunJoin(cluster.Config, me, directory, joined, metricsPort);
        var routes = RaftPeers.FromPaths(cluster.Nodes.Where(n => n.Id != me.Id).ToDictionary(n => n.Id, n => ActorPath.Parse(n.ServerPath)));
        var settings = cluster.Settings.WithPeerId(me.Id);
        return await Serve(me, directory, cluster.Config, settings, cluster.HandoverLinger,
            _ => KvServer.Props(settings, routes), $"{me.Id} of {settings.ClusterId}", settings.ToString(), metricsPort);
    }

    /// <summary>
    /// A node that starts empty and waits to be added (<c>akka.raft.join = on</c>): it never campaigns, and learns its
    /// group's cluster id from the leader that adds it (<see cref="JoinGate"/>) unless <paramref name="clusterId"/>
    /// pins it or its data directory recorded it. <paramref name="config"/> gives the Raft and Akka settings (a cluster
    /// file's, or none for the defaults); its member list is not used.
    /// </summary>
    public static async Task<int> RunJoin(Config config, NodeAddress me, string directory, string? clusterId, int? metricsPort = null)
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
            _ => Props.Create(() => new JoinGate(me.Id, record, known, server)), banner, baseSettings.ToString(), metricsPort);
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

    /// <summary>
    /// A node's ActorSystem configuration: its store's plugins and location, then its address, then the cluster file,
    /// then <paramref name="nodeThread"/>, then the journal's shipped settings, so the cluster file can tune the journal
    /// but not move it.
    /// </summary>
    internal static Config Config(NodeStorage storage, Config baseConfig, NodeAddress me, Config nodeThread) =>
        storage.Store
            .WithFallback(ClusterFile.RemoteConfig(baseConfig, me.Host, me.Port, me.BindHost, "INFO"))
            .WithFallback(nodeThread)
            .WithFallback(storage.Defaults);

    /// <summary>Runs one node until it is stopped: its ActorSystem on Akka.Remote, its journal, its server at <c>/user/kv</c>.</summary>
    private static async Task<int> Serve(NodeAddress me, string directory, Config baseConfig, RaftSettings settings, TimeSpan linger,
        Func<ActorSystem, Props> serverProps, string who, string settingsLine, int? metricsPort)
    {
        var nodeThread = NodeThread.For(baseConfig); // a mistake in it ends the node before anything is created
        SocketCompletions.Apply(baseConfig, metricsPort); // before the node's first socket
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new HostError($"cannot create the data directory {directory}: {e.Message}");
        }
        var storage = NodeStorage.Prepare(baseConfig, directory, me.Id, AppContext.BaseDirectory);
        var database = storage.Location;
        CheckPortFree(me.BindHost ?? me.Host, me.Port);
        using var metrics = HostMetrics.Start(me.Id, metricsPort);

        var config = Config(storage, baseConfig, me, nodeThread);

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
        if (metricsPort is { } port) Console.WriteLine($"metrics at http://localhost:{port}/metrics");

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
