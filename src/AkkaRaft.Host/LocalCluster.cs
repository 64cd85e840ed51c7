using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace AkkaRaft.Host;

/// <summary>Something went wrong with the demo's cluster or its checks; the message says what.</summary>
internal sealed class DemoFailure(string message) : Exception(message);

/// <summary>One `node` child process, with the last lines it wrote kept for when something goes wrong.</summary>
internal sealed class NodeProcess : IDisposable
{
    private const int TailLines = 20;
    private readonly Process _process;
    private readonly Queue<string> _stdout = new();
    private readonly Queue<string> _stderr = new();

    private NodeProcess(string id, Process process)
    {
        Id = id;
        _process = process;
    }

    public string Id { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public static NodeProcess Start(HostProgram program, string id, string configFile, string dataDirectory)
    {
        var process = new Process { StartInfo = program.StartInfo(["node", "--config", configFile, "--id", id, "--data-dir", dataDirectory]) };
        var node = new NodeProcess(id, process);
        process.OutputDataReceived += (_, e) => Keep(node._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(node._stderr, e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new DemoFailure($"cannot start {program.FileName}: {e.Message}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private static void Keep(Queue<string> tail, string? line)
    {
        if (line is null) return;
        lock (tail)
        {
            tail.Enqueue(line);
            if (tail.Count > TailLines) tail.Dequeue();
        }
    }

    /// <summary>
    /// SIGKILL on Linux (TerminateProcess on Windows): no shutdown hook runs, as in a crash or `kill -9`. Returns once
    /// the process is gone. Only the process itself is signalled, at once: finding a whole process tree first means
    /// reading /proc, which on a busy machine leaves the node running (and answering) for a while after the "kill".
    /// </summary>
    public void Kill() => Kill(entireProcessTree: false);

    private void Kill(bool entireProcessTree)
    {
        try
        {
            _process.Kill(entireProcessTree);
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }
        _process.WaitForExit(5000);
    }

    /// <summary>What the process last wrote: its stderr, and its stdout (where the node logs) when stderr is empty.</summary>
    public IEnumerable<string> Describe()
    {
        var state = _process.HasExited ? $"exited with {_process.ExitCode}" : "running";
        string[] stderr, stdout;
        lock (_stderr) stderr = _stderr.ToArray();
        lock (_stdout) stdout = _stdout.ToArray();
        if (stderr.Length > 0) return [$"{Id} (pid {Pid}, {state}), last lines of stderr:", .. stderr.Select(l => "  " + l)];
        if (stdout.Length > 0) return [$"{Id} (pid {Pid}, {state}) wrote nothing on stderr; last lines of stdout:", .. stdout.Select(l => "  " + l)];
        return [$"{Id} (pid {Pid}, {state}) wrote nothing"];
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill(entireProcessTree: true);
        _process.Dispose();
    }
}

/// <summary>
/// A cluster of `node` child processes on loopback: free ports, a generated cluster file and a fresh data directory
/// under a new temporary directory. Disposing it kills every node, and so does the end of this process.
/// </summary>
internal sealed class LocalCluster : IDisposable
{
    private readonly HostProgram _program;
    private readonly Dictionary<string, NodeProcess> _nodes = new();
    private readonly EventHandler _onExit;

    private LocalCluster(HostProgram program, string directory, ClusterFile cluster)
    {
        _program = program;
        Directory = directory;
        Cluster = cluster;
        // A demo stopped by SIGTERM (or ending any other way that skips Dispose) must not leave its nodes behind.
        _onExit = (_, _) => KillAll();
        AppDomain.CurrentDomain.ProcessExit += _onExit;
    }

    /// <summary>The temporary directory holding the cluster file and the data directory.</summary>
    public string Directory { get; }
    public ClusterFile Cluster { get; }
    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>The nodes' current processes, by id.</summary>
    public IReadOnlyDictionary<string, NodeProcess> Nodes => _nodes;

    /// <summary>Writes a cluster file for <paramref name="size"/> nodes n1, n2, ... on free loopback ports and starts them.</summary>
    public static LocalCluster Start(HostProgram program, int size, string clusterId)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("akkaraft-demo-").FullName;
        var file = Path.Combine(directory, "cluster.hocon");
        var ports = FreePorts(size);
        var nodes = string.Join("\n", ports.Select((port, i) => $$"""    { id = n{{i + 1}}, host = "127.0.0.1", port = {{port}} }"""));
        File.WriteAllText(file, $$"""
            # Generated by the AkkaRaft demo: {{size}} nodes on loopback ports that were free when it started.
            akkaraft {
              nodes = [
            {{nodes}}
              ]
              data-dir = {{JsonSerializer.Serialize(Path.Combine(directory, "data"))}}
            }
            akka.raft.cluster-id = "{{clusterId}}"

            """);
        var cluster = new LocalCluster(program, directory, ClusterFile.Load(file));
        try
        {
            foreach (var node in cluster.Cluster.Nodes) cluster.StartNode(node.Id);
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
        return cluster;
    }

    /// <summary>Starts node <paramref name="id"/> (again) on its data directory.</summary>
    public NodeProcess StartNode(string id)
    {
        if (_nodes.Remove(id, out var old)) old.Dispose();
        var node = NodeProcess.Start(_program, id, Cluster.Path, DataDirectory);
        _nodes[id] = node;
        return node;
    }

    /// <summary>Fails when a node that should be running has exited, with what it last wrote.</summary>
    public void ThrowIfExited(IEnumerable<string> ids)
    {
        var gone = ids.Select(id => _nodes[id]).FirstOrDefault(n => n.HasExited);
        if (gone is not null) throw new DemoFailure($"{gone.Id} exited on its own\n{string.Join("\n", gone.Describe())}");
    }

    /// <summary>
    /// Ports that accept a listener now, chosen at random below the usual ephemeral ranges (Linux 32768-60999, Windows
    /// and macOS 49152-65535), so that no outgoing connection takes one before its node binds it, or while a killed
    /// node is down.
    /// </summary>
    private static int[] FreePorts(int count)
    {
        var ports = new List<int>();
        for (var attempt = 0; ports.Count < count && attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(20000, 32000);
            if (ports.Contains(port)) continue;
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
                listener.Start();
                listener.Stop();
                ports.Add(port);
            }
            catch (SocketException)
            {
                // Taken; try another.
            }
        }
        return ports.Count == count ? ports.ToArray() : throw new DemoFailure($"found only {ports.Count} free ports of {count} between 20000 and 32000");
    }

    private void KillAll()
    {
        foreach (var node in _nodes.Values) node.Dispose();
    }

    /// <summary>Kills every node; keeps the temporary directory when <paramref name="keepFiles"/>, else deletes it.</summary>
    public void Dispose(bool keepFiles)
    {
        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        KillAll();
        _nodes.Clear();
        if (keepFiles) return;
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary directory is not worth failing for.
        }
    }

    public void Dispose() => Dispose(keepFiles: false);
}
