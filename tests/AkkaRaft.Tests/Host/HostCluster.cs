using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Host;
using AkkaRaft.KeyValue;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// The nodes of a shipped cluster file (such as hocon/cluster-3.hocon) as real Host processes on loopback: a copy of
/// the file with free ports in a temporary directory, each node with its own data directory, and a client ActorSystem
/// on Akka.Remote in the test process that reaches them as the Host's own clients do. Disposing it kills every node
/// and deletes the directory.
/// </summary>
internal sealed class HostCluster : IAsyncDisposable
{
    /// <summary>Where each node listens and how its process starts, when not as the cluster file and a plain <c>dotnet</c> say.</summary>
    public interface IPlacement
    {
        /// <summary>The address node <paramref name="id"/> listens on and the others reach it at.</summary>
        string Host(string id);

        /// <summary>A command that prepares node <paramref name="id"/>'s process and then <c>exec</c>s its arguments (the Host); empty for none.</summary>
        IReadOnlyList<string> Launcher(string id);
    }

    /// <summary>
    /// How long one node may take to start: a fresh .NET process, remoting, and the SQLite journal plugin's first use,
    /// which alone took 11 s with three nodes starting on a two-core machine at load average 40.
    /// </summary>
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(90);

    private readonly ITestOutputHelper _output;
    private readonly Dictionary<string, HostNodeProcess?> _nodes = new(StringComparer.Ordinal);
    private readonly List<HostNodeProcess> _exited = new();

    private readonly IPlacement? _placement;
    /// <summary>More command-line arguments for a node's process, by id (such as <c>--metrics-port</c>).</summary>
    private readonly Func<string, IReadOnlyList<string>>? _nodeArguments;
    /// <summary>Nodes not in the cluster file, which start with <c>--join</c> and wait to be added.</summary>
    private readonly Dictionary<string, NodeAddress> _joiners = new(StringComparer.Ordinal);

    private HostCluster(ITestOutputHelper output, string directory, ClusterFile file, ActorSystem clients, IPlacement? placement,
        Func<string, IReadOnlyList<string>>? nodeArguments = null)
    {
        _nodeArguments = nodeArguments;
        _output = output;
        _placement = placement;
        Directory = directory;
        File = file;
        Clients = clients;
        foreach (var node in file.Nodes) _nodes[node.Id] = null;
    }

    public string Directory { get; }

    /// <summary>The generated cluster file, as the Host reads it.</summary>
    public ClusterFile File { get; }

    /// <summary>The test's client ActorSystem (Akka.Remote on loopback, the Host's client configuration, quiet as the Host's clients are).</summary>
    public ActorSystem Clients { get; }

    public IEnumerable<string> Ids => File.Nodes.Select(n => n.Id);

    /// <summary>
    /// Copies <paramref name="shippedFile"/> (from the hocon directory beside the tests) with every node's port replaced
    /// by a free one (and its host by <paramref name="placement"/>'s, if given) and <paramref name="overrides"/> appended,
    /// then starts every node (through <paramref name="placement"/>'s launcher, with <paramref name="nodeArguments"/> added to
    /// its command line) and waits until each answers.
    /// </summary>
    public static async Task<HostCluster> Start(ITestOutputHelper output, string shippedFile, string overrides = "", IPlacement? placement = null,
        Func<string, IReadOnlyList<string>>? nodeArguments = null)
    {
        HostProcess.RegisterBackstop(); // before the client ActorSystem registers its own exit handlers
        var directory = System.IO.Directory.CreateTempSubdirectory("akkaraft-mproc-").FullName;
        try
        {
            var shipped = Path.Combine(AppContext.BaseDirectory, "hocon", shippedFile);
            var text = await System.IO.File.ReadAllTextAsync(shipped);
            var nodes = ClusterFile.Load(shipped).Nodes;
            var ports = FreePorts(nodes.Count);
            foreach (var (node, port) in nodes.Zip(ports))
            {
                var replaced = Regex.Replace(text, $@"(\bid\s*=\s*""?{Regex.Escape(node.Id)}""?\s*,.*?\bport\s*=\s*){node.Port}\b", m => m.Groups[1].Value + port);
                if (replaced == text) throw new InvalidOperationException($"{shipped}: cannot find the port of {node.Id} to replace");
                text = replaced;
                if (placement is null) continue;
                replaced = Regex.Replace(text, $@"(\bid\s*=\s*""?{Regex.Escape(node.Id)}""?\s*,.*?\bhost\s*=\s*)(""[^""]*""|[^\s,}}]+)", m => m.Groups[1].Value + $"\"{placement.Host(node.Id)}\"");
                if (replaced == text) throw new InvalidOperationException($"{shipped}: cannot find the host of {node.Id} to replace");
                text = replaced;
            }
            var path = Path.Combine(directory, shippedFile);
            await System.IO.File.WriteAllTextAsync(path, text + "\n" + overrides + "\n");
            var file = ClusterFile.Load(path);
            output.WriteLine($"{path}: {string.Join(", ", file.Nodes.Select(n => $"{n.Id} at {n.Host}:{n.Port}"))}");

            var host = file.Config.GetString("akkaraft.client-host", "127.0.0.1");
            var clients = ActorSystem.Create($"{ClusterFile.SystemName}-test-client", file.RemoteConfig(host, 0, null, "OFF"));
            var cluster = new HostCluster(output, directory, file, clients, placement, nodeArguments);
            try
            {
                var clock = Stopwatch.StartNew();
                foreach (var id in cluster.Ids) cluster.StartProcess(id);
                foreach (var id in cluster.Ids) await cluster.WaitUntilAnswering(id);
                output.WriteLine($"every node answers, {clock.Elapsed.TotalSeconds:F1} s after the start");
                return cluster;
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }
        catch
        {
            TryDelete(directory);
            throw;
        }
    }

    /// <summary>Starts node <paramref name="id"/> from its data directory (again, after a kill) and waits until it answers.</summary>
    public async Task<HostNodeProcess> StartNode(string id)
    {
        var clock = Stopwatch.StartNew();
        var node = StartProcess(id);
        await WaitUntilAnswering(id);
        _output.WriteLine($"{id} answers, {clock.Elapsed.TotalSeconds:F1} s after the start");
        return node;
    }

    /// <summary>Kills node <paramref name="id"/>'s process with SIGKILL (<c>kill -9</c>): no shutdown code runs.</summary>
    public async Task Kill9(string id)
    {
        var node = _nodes[id] ?? throw new InvalidOperationException($"{id} is not running");
        await node.KillAsync();
        node.Dispose();
        _nodes[id] = null;
        _exited.Add(node);
        _output.WriteLine($"killed {id} (pid {node.ProcessId}) with SIGKILL");
    }

    /// <summary>Stops node <paramref name="id"/> as an operator would (SIGTERM) and waits for it to exit; returns the exit code.</summary>
    public async Task<int> Terminate(string id)
    {
        var node = _nodes[id] ?? throw new InvalidOperationException($"{id} is not running");
        var exit = await node.TerminateAsync(TimeSpan.FromSeconds(30));
        _nodes[id] = null;
        _exited.Add(node);
        _output.WriteLine($"stopped {id} (pid {node.ProcessId}) with SIGTERM: exit {exit}");
        return exit;
    }

    public HostNodeProcess Process(string id) => _nodes[id] ?? throw new InvalidOperationException($"{id} is not running");

    public NodeAddress Address(string id) => _joiners.TryGetValue(id, out var joiner) ? joiner : File.Node(id);

    /// <summary>
    /// A node <paramref name="id"/> outside the cluster file, on a free loopback port: <see cref="StartNode"/> starts it
    /// with <c>--join</c>, and clients made from now on know it, as the Host's clients learn it from the members.
    /// </summary>
    public NodeAddress Reserve(string id)
    {
        var node = new NodeAddress(id, "127.0.0.1", FreePorts(1)[0], null);
        _joiners[id] = node;
        _nodes[id] = null;
        return node;
    }

    public string DataDirectory(string id) => Path.Combine(Directory, "data-" + id);

    /// <summary>A key-value client of every node, as the Host's put/append/get commands make one.</summary>
    public KvClient Client(KvClientOptions options) =>
        new(Clients, RaftPeers.FromPaths(File.Nodes.Concat(_joiners.Values).ToDictionary(n => n.Id, n => ActorPath.Parse(n.ServerPath))), options);

    /// <summary>Node <paramref name="id"/>'s view over Akka.Remote, as the Host's status command asks it; null when it does not answer in time.</summary>
    public async Task<RaftState?> State(string id, TimeSpan? timeout = null)
    {
        try
        {
            return await Clients.ActorSelection(Address(id).ServerPath).Ask<RaftState>(GetState.Instance, timeout ?? TimeSpan.FromSeconds(1));
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    /// <summary>Every node's view, asked concurrently; absent for nodes that did not answer.</summary>
    public async Task<IReadOnlyDictionary<string, RaftState>> States(IEnumerable<string>? ids = null)
    {
        var answers = await Task.WhenAll((ids ?? Ids).Select(async id => (id, state: await State(id))));
        return answers.Where(a => a.state is not null).ToDictionary(a => a.id, a => a.state!, StringComparer.Ordinal);
    }

    /// <summary>
    /// Waits until every node in <paramref name="ids"/> answers and all agree on one term and one leader among them,
    /// which says it leads; returns the leader's view.
    /// </summary>
    public async Task<RaftState> AgreedLeader(TimeSpan within, IEnumerable<string>? ids = null)
    {
        var states = await Agreed(within, ids);
        return states[states.Values.First().LeaderId!];
    }

    /// <summary>As <see cref="AgreedLeader"/>, but returns every node's view from the round of answers that agreed.</summary>
    public async Task<IReadOnlyDictionary<string, RaftState>> Agreed(TimeSpan within, IEnumerable<string>? ids = null)
    {
        var asked = (ids ?? Ids).ToArray();
        IReadOnlyDictionary<string, RaftState> last = new Dictionary<string, RaftState>();
        return await Eventually(within, $"{string.Join(", ", asked)} agree on one leader", async () =>
        {
            last = await States(asked);
            if (last.Count != asked.Length) return null;
            var views = last.Values.Select(s => (s.Term, s.LeaderId)).Distinct().ToArray();
            if (views.Length != 1 || views[0].LeaderId is not { } id || !last.TryGetValue(id, out var state) || !state.IsLeader) return null;
            return last;
        }, () => Describe(last));
    }

    /// <summary>Polls <paramref name="condition"/> until it gives a value, failing with <paramref name="what"/> once <paramref name="within"/> has passed.</summary>
    public static async Task<T> Eventually<T>(TimeSpan within, string what, Func<Task<T?>> condition, Func<string>? describe = null) where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (await condition() is { } value) return value;
            if (deadline.Elapsed > within)
                throw new XunitException($"not true within {within.TotalSeconds:0.#} s: {what}{(describe is null ? "" : $"; last seen: {describe()}")}");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls until node <paramref name="id"/>'s output has a line matching <paramref name="pattern"/>; returns the match.</summary>
    public Task<Match> LogLine(string id, string pattern, TimeSpan within)
    {
        var regex = new Regex(pattern);
        return Eventually(within, $"{id} logs a line matching /{pattern}/", () =>
            Task.FromResult(Process(id).Lines.Select(l => regex.Match(l)).FirstOrDefault(m => m.Success)),
            () => $"{id}'s last lines:\n{string.Join("\n", Process(id).Lines.TakeLast(15))}");
    }

    public static string Describe(IReadOnlyDictionary<string, RaftState> states) =>
        states.Count == 0 ? "no node answered" : string.Join("; ", states.Values.OrderBy(s => s.PeerId, StringComparer.Ordinal)
            .Select(s => $"{s.PeerId} {s.Role.ToString().ToLowerInvariant()} term {s.Term} leader {s.LeaderId ?? "-"} log {s.LastLogIndex} commit {s.CommitIndex} applied {s.LastApplied}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var (id, node) in _nodes.Where(n => n.Value is not null).ToArray())
        {
            node!.Dispose();
            _exited.Add(node);
            _nodes[id] = null;
        }
        foreach (var node in _exited)
        {
            // Only the tail: enough to see why a test failed without drowning the output.
            var lines = node.Lines;
            _output.WriteLine($"---- {node.Id} (pid {node.ProcessId}), last {Math.Min(lines.Count, 25)} of {lines.Count} lines ----");
            foreach (var line in lines.TakeLast(25)) _output.WriteLine(line);
        }
        await Clients.Terminate();
        TryDelete(Directory);
    }

    private HostNodeProcess StartProcess(string id)
    {
        if (_nodes[id] is not null) throw new InvalidOperationException($"{id} is already running");
        string[] args = _joiners.TryGetValue(id, out var joiner)
            ? ["node", "--id", id, "--host", joiner.Host, "--port", joiner.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--join", "--config", File.Path, "--data-dir", DataDirectory(id)]
            : ["node", "--config", File.Path, "--id", id, "--data-dir", DataDirectory(id)];
        if (_nodeArguments is not null) args = [.. args, .. _nodeArguments(id)];
        var node = new HostNodeProcess(id, Directory, args, _placement?.Launcher(id));
        _nodes[id] = node;
        _output.WriteLine($"started {id} (pid {node.ProcessId})");
        return node;
    }

    private async Task WaitUntilAnswering(string id)
    {
        var node = Process(id);
        await Eventually(StartBound, $"{id} (pid {node.ProcessId}) answers GetState", async () =>
        {
            if (node.HasExited) throw new XunitException($"{id} exited while starting:\n{string.Join("\n", node.Lines)}");
            return await State(id);
        });
    }

    /// <summary>
    /// <paramref name="count"/> distinct TCP ports free on loopback, chosen below the kernel's ephemeral range: a port the
    /// kernel never hands out for outgoing connections stays free while a killed node is down, so it can come back on it.
    /// The fixed ports of the shipped cluster files (47101-47305) lie inside that range, so they are never chosen.
    /// </summary>
    public static int[] FreePorts(int count)
    {
        var ephemeralStart = 32768;
        try
        {
            var range = System.IO.File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (range.Length == 2 && int.TryParse(range[0], out var low) && low > 12000) ephemeralStart = low;
        }
        catch (IOException)
        {
            // Not Linux: the usual default will do.
        }
        catch (UnauthorizedAccessException)
        {
        }
        var ports = new List<int>();
        var random = new Random();
        for (var attempt = 0; ports.Count < count; attempt++)
        {
            if (attempt > 1000) throw new InvalidOperationException($"found only {ports.Count} free ports below {ephemeralStart}");
            var port = random.Next(10000, ephemeralStart);
            if (ports.Contains(port)) continue;
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                ports.Add(port);
            }
            catch (SocketException)
            {
                // Taken; try another.
            }
        }
        return ports.ToArray();
    }

    private static void TryDelete(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
