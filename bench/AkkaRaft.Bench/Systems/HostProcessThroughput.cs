using System.Diagnostics;
using System.Globalization;
using Akka.Configuration;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Bench;

/// <summary>
/// The deployment itself: three processes of the Host's <c>node</c> program (a key-value server
/// and its Raft peer each, RocksDB, Akka.Remote on loopback ports) from a cluster file written for the row, and the
/// bench as a remote client: one <see cref="KvDriver"/> in an ActorSystem of its own, each client putting a 64-byte
/// value to its own key with one request outstanding. Unlike the other modes the load crosses a socket to reach the
/// leader, and each command passes through the key-value state machine and its client sessions.
/// </summary>
internal static class HostProcessThroughput
{
    public const string Mode = "process";

    /// <summary>The client counts this mode runs: one, and as many as the proposer rows at their busiest.</summary>
    public static readonly int[] ClientCounts = [1, 64];

    public static async Task<RunResult> Run(int clients, BenchOptions options)
    {
        var host = FindHost();
        if (host is null)
            return RunResult.Failed(AkkaRaftThroughput.SystemName, Mode, clients, "the Host is not built: dotnet build -c Release src/AkkaRaft.Host (the bench's build does it)");
        var directory = Directory.CreateTempSubdirectory("akkaraft-bench-process-").FullName;
        var nodes = new List<(string Id, int Port, Process Process, StreamWriter Log)>();
        var metricsPorts = new List<int>();
        ActorSystem? client = null;
        var failed = false;
        try
        {
            var ports = new[] { DotNextCluster.FreePort(), DotNextCluster.FreePort(), DotNextCluster.FreePort() };
            var clusterFile = Path.Combine(directory, "cluster.hocon");
            File.WriteAllText(clusterFile, string.Create(CultureInfo.InvariantCulture, $$"""
                akkaraft {
                  nodes = [
                    { id = n1, host = "127.0.0.1", port = {{ports[0]}} }
                    { id = n2, host = "127.0.0.1", port = {{ports[1]}} }
                    { id = n3, host = "127.0.0.1", port = {{ports[2]}} }
                  ]
                  data-dir = "{{directory}}"
                }
                akka.raft.cluster-id = "bench-process"
                akka.loglevel = WARNING
                """));
            for (var i = 0; i < ports.Length; i++)
            {
                var log = new StreamWriter(Path.Combine(directory, $"n{i + 1}.log")) { AutoFlush = true };
                int? metricsPort = options.Metrics ? DotNextCluster.FreePort() : null;
                if (metricsPort is { } port) metricsPorts.Add(port);
                nodes.Add(($"n{i + 1}", ports[i], Start(host, clusterFile, $"n{i + 1}", log, metricsPort), log));
            }

            // The store's serializer binding too: the requests and answers cross the socket in its binary format,
            // and an answer the client cannot decode is dropped.
            client = ActorSystem.Create("akkaraft-bench-client",
                ConfigurationFactory.ParseString(BenchCluster.RemoteHocon + "\nakka.loglevel = WARNING")
                    .WithFallback(KvConfig.DefaultConfig()).WithFallback(RaftSettings.DefaultConfig()));
            var servers = nodes.ToDictionary(n => n.Id, n => string.Create(CultureInfo.InvariantCulture, $"akka.tcp://akkaraft@127.0.0.1:{n.Port}/user/kv"));
            var (leaderId, term) = await WaitForLeader(client, servers, nodes.Select(n => n.Process).ToArray(), TimeSpan.FromSeconds(60));
            var leader = await client.ActorSelection(servers[leaderId]).ResolveOne(TimeSpan.FromSeconds(10));
            var driver = client.ActorOf(Props.Create(() => new KvDriver()), "clients");
            await driver.Ask<Done>(new StartKv(leader, KvOperation.Put, clients, Batch: !options.KvSingles), TimeSpan.FromSeconds(10));
            // As the other rows: past --warmup, the load goes on until the JIT has gone quiet, here in the nodes too.
            var warmedUp = await WarmUpNodes(nodes.Select(n => n.Process).ToArray(), options.Warmup, options.WarmupMax);
            var nodesBefore = NodesProcessorTime(nodes.Select(n => n.Process));
            var durationsBefore = options.Metrics ? await NodeDurations.Read(metricsPorts) : null;
            driver.Tell(BeginMeasurement.Instance);
            await Task.Delay(options.Duration);
            var measurement = await driver.Ask<Measurement>(EndMeasurement.Instance, TimeSpan.FromSeconds(30)) with { WarmedUp = warmedUp };
            if (durationsBefore is not null)
            {
                var durationsAfter = await NodeDurations.Read(metricsPorts);
                for (var i = 0; i < nodes.Count; i++)
                    foreach (var line in NodeDurations.Describe(nodes[i].Id == leaderId ? $"{nodes[i].Id} (leader)" : nodes[i].Id, durationsBefore[i], durationsAfter[i]))
                        Console.WriteLine($"  {line}");
            }
            // The row's cpu column counts the whole deployment, as the remote row's counts its three peers and driver.
            var nodesCpu = NodesProcessorTime(nodes.Select(n => n.Process)) - nodesBefore;
            if (measurement.Latency.Count > 0)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  processor time per put: the three nodes {nodesCpu.TotalMicroseconds / measurement.Latency.Count:F1} µs, the client {measurement.Gc.Processor.TotalMicroseconds / measurement.Latency.Count:F1} µs"));
            measurement = measurement with { Gc = measurement.Gc with { Processor = measurement.Gc.Processor + nodesCpu } };
            var after = await leader.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(15));
            if (!after.IsLeader || after.Term != term)
                measurement = measurement with { Failure = measurement.Failure ?? $"{leaderId} lost leadership during the row (now {after.Role} at term {after.Term})" };
            if (measurement.Failure is { } failure)
            {
                failed = true;
                measurement = measurement with { Failure = $"{failure} (node logs in {directory})" };
            }
            return RunResult.From(AkkaRaftThroughput.SystemName, Mode, clients, measurement);
        }
        catch (Exception e)
        {
            failed = true;
            return RunResult.Failed(AkkaRaftThroughput.SystemName, Mode, clients, $"{e.GetType().Name}: {e.Message} (node logs in {directory})");
        }
        finally
        {
            if (client is not null) await client.Terminate();
            foreach (var (_, _, process, log) in nodes)
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(); // and for the end of its output
                process.Dispose();
                lock (log) log.Dispose();
            }
            try
            {
                if (!failed) Directory.Delete(directory, recursive: true); // else the nodes' logs say why
            }
            catch (IOException)
            {
                // a node's file still open as it exits: it is under the temporary folder
            }
        }
    }

    /// <summary>
    /// Waits <paramref name="minimum"/>, then until this process's JIT and each node's tiered compiler have gone quiet
    /// (<see cref="WarmUp.QuietJitTime"/> in a second), or <paramref name="maximum"/> has passed in all. A node's JIT
    /// is out of this process's sight; on Linux its background compiler is a thread of its own (".NET Tiered Com")
    /// whose processor time /proc gives, elsewhere only the fixed minimum is waited.
    /// </summary>
    private static async Task<TimeSpan> WarmUpNodes(IReadOnlyList<Process> processes, TimeSpan minimum, TimeSpan maximum)
    {
        var start = Stopwatch.GetTimestamp();
        await Task.Delay(minimum);
        if (!OperatingSystem.IsLinux()) return Stopwatch.GetElapsedTime(start);
        var sample = TimeSpan.FromSeconds(1);
        var compiling = System.Runtime.JitInfo.GetCompilationTime();
        var before = processes.Select(TieredCompilerTicks).ToArray();
        while (Stopwatch.GetElapsedTime(start) + sample <= maximum)
        {
            await Task.Delay(sample);
            var now = processes.Select(TieredCompilerTicks).ToArray();
            var jit = System.Runtime.JitInfo.GetCompilationTime();
            var busiest = now.Select((threads, i) => threads.Sum(t => t.Value - before[i].GetValueOrDefault(t.Key))).Max();
            if (jit - compiling < WarmUp.QuietJitTime && TimeSpan.FromSeconds(busiest / (double)ClockTicksPerSecond) < WarmUp.QuietJitTime) break;
            (before, compiling) = (now, jit);
        }
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>The kernel's USER_HZ, the unit of a thread's times in /proc (100 on Linux on every common platform).</summary>
    private const long ClockTicksPerSecond = 100;

    /// <summary>Processor time (user and system, in clock ticks) of each tiered-compilation thread of <paramref name="process"/>, by thread id.</summary>
    private static Dictionary<string, long> TieredCompilerTicks(Process process)
    {
        var ticks = new Dictionary<string, long>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{process.Id}/task"))
            {
                if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered Com", StringComparison.Ordinal)) continue;
                // Fields after the parenthesised name: state is field 3, utime 14 and stime 15.
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks[Path.GetFileName(task)] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
            // the thread (or the process) ended while being read: it compiles nothing any more
        }
        return ticks;
    }

    /// <summary>Processor time the node processes have used so far, every thread of each.</summary>
    private static TimeSpan NodesProcessorTime(IEnumerable<Process> processes)
    {
        var total = TimeSpan.Zero;
        foreach (var process in processes)
        {
            process.Refresh();
            total += process.TotalProcessorTime;
        }
        return total;
    }

    private static Process Start(string host, string clusterFile, string id, StreamWriter log, int? metricsPort)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { host, "node", "--config", clusterFile, "--id", id },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (metricsPort is { } port)
        {
            info.ArgumentList.Add("--metrics-port");
            info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {host}");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<(string Id, long Term)> WaitForLeader(ActorSystem client, Dictionary<string, string> servers, IEnumerable<Process> processes, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (processes.FirstOrDefault(p => p.HasExited) is { } exited)
                throw new InvalidOperationException($"a node exited with code {exited.ExitCode} before a leader was elected");
            foreach (var (id, path) in servers)
            {
                try
                {
                    var state = await client.ActorSelection(path).Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(1));
                    if (state.IsLeader) return (id, state.Term);
                }
                catch (AskTimeoutException)
                {
                    // not listening yet
                }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"no leader among the node processes within {within.TotalSeconds} s");
    }

    /// <summary>The Host's program built in the same configuration as the bench, found from the repository root.</summary>
    private static string? FindHost()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "AkkaRaft.Host", "bin", configuration, "net10.0", "AkkaRaft.Host.dll");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
