using System.Diagnostics;
using System.Globalization;
using Akka.Configuration;
using AkkaRaft.Actors;

namespace AkkaRaft.Bench;

/// <summary>
/// The whole benchmark in one invocation: the physical floor, every mode's rows (alternating between AkkaRaft and
/// dotNext at each proposer count, so drift in the machine's load touches both alike), the failover trials; then one
/// table on the console and the same figures under the results folder.
/// </summary>
internal static class Suite
{
    /// <summary>Where dotNext's memory-backed WAL goes, beside AkkaRaft's in-memory journal.</summary>
    private const string SharedMemory = "/dev/shm";

    public static async Task<int> Run(BenchOptions options, string header)
    {
        var clock = Stopwatch.StartNew();
        var outDirectory = Path.GetFullPath(options.OutDirectory ?? DefaultOutDirectory());
        // The journals (Directory.CreateTempSubdirectory) and dotNext's disk WAL share this disk; so does the fsync floor.
        var disk = Path.GetTempPath();
        Describe(options, disk);

        Console.WriteLine("physical floor ...");
        var floor = await PhysicalFloor.Measure(disk, options.Quick ? 500 : 2000);
        foreach (var f in floor)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {f.Name}: p50 {f.Latency.P50Ms:F3} ms, p99 {f.Latency.P99Ms:F3} ms"));

        var rows = new List<RunResult>();
        var runs = options.Proposers.SelectMany(p => options.Modes.Where(m => m != HostProcessThroughput.Mode || HostProcessThroughput.ClientCounts.Contains(p)).Select(m => (p, m))).ToArray();
        var total = runs.Length;
        foreach (var (proposers, mode) in runs)
        {
            var row = await RunRow(mode, proposers, options, disk);
            if (row.Failure is not null)
            {
                // On a loaded machine an election in the middle of a row (either system's) is not rare; one fresh
                // cluster more, and both attempts are reported.
                Console.WriteLine($"  {row.System} {row.Mode}, {proposers} proposer(s) failed ({row.Failure}); once more on a fresh cluster ...");
                row = await RunRow(mode, proposers, options, disk) with { FirstAttemptFailure = row.Failure };
            }
            rows.Add(row);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  [{rows.Count}/{total}] {row.System} {row.Mode}, {proposers} proposer(s): {row.Latency.PerSecond:F0} commits/s, p50 {row.Latency.P50Ms:F3} ms, p99 {row.Latency.P99Ms:F3} ms{(row.Failure is null ? "" : " FAILED: " + row.Failure)}"));
        }

        var failovers = Array.Empty<FailoverResult>();
        if (options.FailoverTrials > 0)
        {
            Settle();
            var load = options.Quick ? TimeSpan.FromSeconds(0.3) : TimeSpan.FromSeconds(1);
            Console.WriteLine($"failover: {options.FailoverTrials} trials each, alternating; {load.TotalSeconds} s of light load, then the leader is killed ...");
            failovers = await FailoverWorkload.Run(options.FailoverTrials, load, disk, Console.WriteLine);
        }

        var report = new Report(rows, failovers, floor, clock.Elapsed, options.Quick);
        Console.WriteLine();
        Console.Write(report.Text());
        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB");
        var (written, skipped) = report.Write(outDirectory, header);
        foreach (var path in written) Console.WriteLine($"written: {path}");
        if (skipped is not null) Console.WriteLine($"not written: {skipped}");
        return rows.Any(r => r.Failure is not null) || failovers.Any(f => f.Failure is not null) ? 1 : 0;
    }

    private static async Task<RunResult> RunRow(string mode, int proposers, BenchOptions options, string disk)
    {
        Settle();
        return mode switch
        {
            "dotnext-disk" => await DotNextThroughput.Run("disk", disk, proposers, options),
            "dotnext-shm" => Directory.Exists(SharedMemory)
                ? await DotNextThroughput.Run("shm", SharedMemory, proposers, options)
                : RunResult.Failed(DotNextThroughput.SystemName, "shm", proposers, $"{SharedMemory} does not exist on this machine"),
            HostProcessThroughput.Mode => await HostProcessThroughput.Run(proposers, options),
            _ => await AkkaRaftThroughput.Run(mode, proposers, options),
        };
    }

    private static void Describe(BenchOptions options, string disk)
    {
        var s = RaftSettings.Create(ConfigurationFactory.ParseString(BenchCluster.Hocon).WithFallback(RaftSettings.DefaultConfig()));
        Console.WriteLine($"akkaraft: peers {string.Join(", ", s.Members)}; election timeout {s.ElectionTimeoutMin.TotalMilliseconds}-{s.ElectionTimeoutMax.TotalMilliseconds} ms, " +
                          $"heartbeat {s.HeartbeatInterval.TotalMilliseconds} ms, ≤{s.MaxEntriesPerMessage} entries and ≤{s.MaxInflightMessages} messages in flight per follower");
        Console.WriteLine($"dotnext: DotNext.Net.Cluster {typeof(DotNext.Net.Cluster.Consensus.Raft.RaftCluster).Assembly.GetName().Version}, TCP transport and WriteAheadLog with defaults " +
                          $"but {DotNextCluster.ChunkSize >> 20} MiB chunks; no-op state machine");
        Console.WriteLine($"load: closed-loop proposers {string.Join(",", options.Proposers)}, {options.CommandBytes}-byte commands; warm-up {options.Warmup.TotalSeconds} s, " +
                          $"measured {options.Duration.TotalSeconds} s per row; modes {string.Join(", ", options.Modes)}; disk: {disk}");
    }

    /// <summary>Collects what the last row left behind, so its garbage is not charged to the next.</summary>
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>bench/results/&lt;UTC timestamp&gt; in the repository this runs from (found by its solution file), else under the working directory.</summary>
    private static string DefaultOutDirectory()
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AkkaRaft.sln"))) return Path.Combine(dir.FullName, "bench", "results", stamp);
            }
        }
        return Path.Combine("bench", "results", stamp);
    }
}
