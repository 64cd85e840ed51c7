using System.Runtime;
using System.Runtime.InteropServices;
using AkkaRaft.Bench;

// AkkaRaft.Bench: commit throughput and latency of three peers in one process, per closed-loop proposer count.
// Each row runs on a fresh ActorSystem (empty logs, a new election) so rows do not inherit each other's log.

if (args is ["--help"] or ["-h"] or ["help"])
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}
var options = BenchOptions.Parse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine($"{error}; try --help");
    return 2;
}

#if DEBUG
const string configuration = "Debug";
#else
const string configuration = "Release";
#endif
Console.WriteLine($"command: dotnet run -c {configuration} --project bench/AkkaRaft.Bench --{string.Concat(args.Select(a => " " + Quote(a)))}");
Console.WriteLine($"process: {Environment.CommandLine}");
Console.WriteLine($"runtime: {RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, " +
                  $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC, {configuration} build");
#if DEBUG
Console.WriteLine("warning: Debug build; numbers are not representative (use -c Release)");
#endif

if (options.RestartCommands > 0)
    return await RestartWorkload.Run(options.RestartCommands, snapshotEvery: 1000);
if (options.KeyValue)
    return await KvWorkload.Run(options);

var rows = new List<RunResult>();
foreach (var journal in options.Journals)
{
    for (var i = 0; i < options.Proposers.Count; i++)
    {
        rows.Add(await Run(journal, options.Proposers[i], options, describeCluster: rows.Count == 0));
    }
}
Console.WriteLine();
Console.WriteLine("| journal | proposers | commits | commits/s | p50 ms | p99 ms | max ms |");
Console.WriteLine("|---------|----------:|--------:|----------:|-------:|-------:|-------:|");
foreach (var r in rows)
{
    Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"| {r.Mode,-7} | {r.Proposers,9} | {r.Latency.Count,7} | {r.Latency.PerSecond,9:F0} | {r.Latency.P50Ms,6:F3} | {r.Latency.P99Ms,6:F3} | {r.Latency.MaxMs,6:F2} |"));
    if (r.Failure is not null) Console.WriteLine($"  ^ FAILED: {r.Failure}");
}
// Every peer's log and the in-memory journal keep every entry (there is no compaction yet), so memory grows with commits.
Console.WriteLine($"peak working set: {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB");
return rows.Any(r => r.Failure is not null) ? 1 : 0;

static async Task<RunResult> Run(string journal, int proposers, BenchOptions options, bool describeCluster)
{
    await using var cluster = BenchCluster.Start(journal, system =>
        system.ActorOf(Props.Create(() => new ProposerDriver(options.CommandBytes)), "proposers"));
    var leader = await cluster.WaitForLeader(TimeSpan.FromSeconds(10));
    if (describeCluster)
    {
        var s = cluster.Settings;
        Console.WriteLine($"cluster: {string.Join(", ", s.Members)} in one ActorSystem; election timeout " +
                          $"{s.ElectionTimeoutMin.TotalMilliseconds}-{s.ElectionTimeoutMax.TotalMilliseconds} ms, heartbeat {s.HeartbeatInterval.TotalMilliseconds} ms, " +
                          $"≤{s.MaxEntriesPerMessage} entries and ≤{s.MaxInflightMessages} messages in flight per follower");
        Console.WriteLine($"load: closed-loop proposers, {options.CommandBytes}-byte commands; warm-up {options.Warmup.TotalSeconds} s, measured {options.Duration.TotalSeconds} s per row");
    }
    Console.WriteLine($"  {journal} journal, {proposers} proposer(s): leader {leader.PeerId} at term {leader.Term}; warming up, then measuring ...");

    cluster.Driver.Tell(new StartProposing(cluster.Peer(leader.PeerId), leader.PeerId, leader.Term, proposers));
    await Task.Delay(options.Warmup);
    cluster.Driver.Tell(BeginMeasurement.Instance);
    await Task.Delay(options.Duration);
    var measurement = await cluster.Driver.Ask<Measurement>(EndMeasurement.Instance, TimeSpan.FromSeconds(30));
    return RunResult.From("akkaraft", journal, proposers, measurement);
}

static string Quote(string arg) => arg.Length > 0 && !arg.Any(char.IsWhiteSpace) && !arg.Contains('"') ? arg : $"\"{arg.Replace("\"", "\\\"")}\"";
