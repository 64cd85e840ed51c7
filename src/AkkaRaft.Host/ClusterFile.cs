using Akka.Configuration;
using AkkaRaft.Actors;

namespace AkkaRaft.Host;

/// <summary>A configuration problem, said in one line that names it; the Host prints it and exits non-zero.</summary>
internal sealed class HostError(string message) : Exception(message);

/// <summary>One node of the cluster file: its Raft id and where its Akka.Remote endpoint listens.</summary>
internal sealed record NodeAddress(string Id, string Host, int Port, string? BindHost)
{
    /// <summary>Where this node's key-value server (and Raft peer) lives.</summary>
    public string ServerPath => $"akka.tcp://{ClusterFile.SystemName}@{Host}:{Port}/user/kv";
}

/// <summary>
/// A cluster file such as hocon/cluster-3.hocon: the nodes, the data directory, and any akka / akka.raft settings.
/// Loading it checks everything a node or a client needs, and fails with a <see cref="HostError"/> naming the problem.
/// </summary>
internal sealed class ClusterFile
{
    /// <summary>Every node's ActorSystem has this name, so paths can be derived from host and port alone.</summary>
    public const string SystemName = "akkaraft";

    private ClusterFile(string path, Config config, IReadOnlyList<NodeAddress> nodes, string dataDirectory, RaftSettings settings, TimeSpan handoverLinger)
    {
        Path = path;
        Config = config;
        Nodes = nodes;
        DataDirectory = dataDirectory;
        Settings = settings;
        HandoverLinger = handoverLinger;
    }

    public string Path { get; }
    public Config Config { get; }
    public IReadOnlyList<NodeAddress> Nodes { get; }
    public string DataDirectory { get; }

    /// <summary>The Raft settings, members taken from the nodes (no peer id yet).</summary>
    public RaftSettings Settings { get; }

    /// <summary>
    /// How long a node that handed leadership over on a graceful stop stays up once it knows the new leader, answering
    /// the clients that still come to it with the new leader's id instead of leaving them to time out.
    /// </summary>
    public TimeSpan HandoverLinger { get; }

    public static ClusterFile Load(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new HostError("--config FILE is required (for example --config hocon/cluster-3.hocon)");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new HostError($"cannot read {path}: {e.Message}");
        }
        var config = Parse(path, text);
        if (!config.HasPath("akkaraft.nodes")) throw new HostError($"{path}: akkaraft.nodes is missing (the list of nodes with id, host and port)");
        IList<Config> entries;
        try
        {
            entries = config.GetValue("akkaraft.nodes").GetArray().Select(v => new Config(new Akka.Configuration.Hocon.HoconRoot(v))).ToList();
        }
        catch (Exception e)
        {
            throw new HostError($"{path}: akkaraft.nodes must be a list of {{ id, host, port }} objects ({OneLine(e.Message)})");
        }
        if (entries.Count == 0) throw new HostError($"{path}: akkaraft.nodes is empty");
        var nodes = entries.Select((node, i) => ReadNode(path, node, i)).ToList();
        var duplicateId = nodes.GroupBy(n => n.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicateId is not null) throw new HostError($"{path}: node id '{duplicateId.Key}' appears more than once in akkaraft.nodes");
        var duplicateAddress = nodes.GroupBy(n => (n.Host, n.Port)).FirstOrDefault(g => g.Count() > 1);
        if (duplicateAddress is not null) throw new HostError($"{path}: nodes {string.Join(" and ", duplicateAddress.Select(n => n.Id))} share the address {duplicateAddress.Key.Host}:{duplicateAddress.Key.Port}");
        var dataDirectory = config.GetString("akkaraft.data-dir", "raft-data");
        RaftSettings settings;
        try
        {
            var members = ConfigurationFactory.ParseString($"akka.raft.members = [{string.Join(", ", nodes.Select(n => $"\"{n.Id}\""))}]");
            settings = RaftSettings.Create(members.WithFallback(config));
        }
        catch (ConfigurationException e)
        {
            throw new HostError($"{path}: {OneLine(e.Message)}");
        }
        TimeSpan linger;
        try
        {
            linger = config.GetTimeSpan("akkaraft.handover-linger", TimeSpan.FromMilliseconds(300), allowInfinite: false);
        }
        catch (Exception e)
        {
            throw new HostError($"{path}: akkaraft.handover-linger must be a duration such as 300ms ({OneLine(e.Message)})");
        }
        if (linger < TimeSpan.Zero || linger > TimeSpan.FromSeconds(10))
            throw new HostError($"{path}: akkaraft.handover-linger must be between 0 and 10s, is {linger}");
        return new ClusterFile(path, config, nodes, dataDirectory, settings, linger);
    }

    /// <summary>
    /// Parses HOCON on a worker with a time limit: Akka's parser loops forever on some malformed input (an unbalanced
    /// closing brace inside a list), and a typo must end in an error, not a hung process.
    /// </summary>
    private static Config Parse(string path, string text)
    {
        var parse = Task.Run(() => ConfigurationFactory.ParseString(text));
        try
        {
            if (!parse.Wait(TimeSpan.FromSeconds(5)))
                throw new HostError($"{path} is not valid HOCON: the parser did not finish (check for unbalanced braces or brackets)");
            return parse.Result;
        }
        catch (AggregateException e)
        {
            throw new HostError($"{path} is not valid HOCON: {OneLine(e.InnerException?.Message ?? e.Message)}");
        }
    }

    private static NodeAddress ReadNode(string path, Config node, int index)
    {
        string Required(string key)
        {
            var value = node.HasPath(key) ? node.GetString(key) : null;
            return string.IsNullOrWhiteSpace(value) ? throw new HostError($"{path}: akkaraft.nodes[{index}].{key} is missing") : value;
        }
        var id = Required("id");
        var host = Required("host");
        var portText = Required("port");
        if (!int.TryParse(portText, out var port) || port is < 1 or > 65535)
            throw new HostError($"{path}: akkaraft.nodes[{index}].port '{portText}' is not a TCP port (1-65535)");
        var bind = node.HasPath("bind-host") ? node.GetString("bind-host") : null;
        return new NodeAddress(id, host, port, string.IsNullOrWhiteSpace(bind) ? null : bind);
    }

    public NodeAddress Node(string? id)
    {
        if (string.IsNullOrWhiteSpace(id)) throw new HostError("--id ID is required (one of the nodes in the cluster file)");
        return Nodes.FirstOrDefault(n => n.Id == id)
            ?? throw new HostError($"unknown node id '{id}': {Path} has {string.Join(", ", Nodes.Select(n => n.Id))}");
    }

    /// <summary>Configuration of an ActorSystem reachable over Akka.Remote at <paramref name="bindHost"/>:<paramref name="port"/>.</summary>
    public Config RemoteConfig(string publicHost, int port, string? bindHost, string logLevel) =>
        RemoteConfig(Config, publicHost, port, bindHost, logLevel);

    /// <summary>As the instance method, on top of <paramref name="baseConfig"/> (a cluster file's, or empty) instead of this file's.</summary>
    public static Config RemoteConfig(Config baseConfig, string publicHost, int port, string? bindHost, string logLevel) =>
        ConfigurationFactory.ParseString($$"""
                akka {
                  loglevel = {{logLevel}}
                  stdout-loglevel = WARNING
                  actor.provider = remote
                  remote.dot-netty.tcp {
                    hostname = "{{bindHost ?? publicHost}}"
                    public-hostname = "{{publicHost}}"
                    port = {{port}}
                    # Never share a port: with address reuse a second node could bind a live node's port and
                    # speak with its identity.
                    tcp-reuse-addr = off
                    # Room for a whole AppendEntries batch (akka.raft.replication.max-bytes-per-message, 1 MiB) and
                    # its framing: a message larger than one frame is dropped by the transport, never delivered.
                    maximum-frame-size = 2 MiB
                  }
                  # Raft's own timeouts are the failure detector; a restarted node must be reachable again quickly.
                  remote.retry-gate-closed-for = 200ms
                }
                """)
            .WithFallback(baseConfig)
            .WithFallback(RaftSettings.DefaultConfig());

    private static string OneLine(string message) => string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
