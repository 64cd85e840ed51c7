using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AkkaRaft.Bench;

/// <summary>
/// Everything one run measured: the throughput rows, the failover trials and the physical floor. Prints them as one
/// text (tables, the targets) and writes the same figures as JSON, the text, and the charts.
/// </summary>
internal sealed class Report(IReadOnlyList<RunResult> rows, IReadOnlyList<FailoverResult> failovers, IReadOnlyList<FloorResult> floor, TimeSpan elapsed, bool quick)
{
    /// <summary>What the whole run may take: the target for the full benchmark, and --quick's promise.</summary>
    public static readonly TimeSpan FullBudget = TimeSpan.FromMinutes(10), QuickBudget = TimeSpan.FromMinutes(2);

    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    /// <summary>The dotNext mode each AkkaRaft mode is compared with: the same storage medium.</summary>
    public static string? ComparedWith(string system, string mode) => (system, mode) switch
    {
        (AkkaRaftThroughput.SystemName, "memory") => "shm",
        (AkkaRaftThroughput.SystemName, "rocksdb" or "sqlite" or "remote" or "remote-sqlite") => "disk",
        _ => null,
    };

    public string Text()
    {
        var sb = new StringBuilder();
        if (rows.Count > 0) AppendThroughput(sb);
        if (floor.Count > 0) AppendFloor(sb);
        if (failovers.Count > 0) AppendFailover(sb);
        AppendBars(sb);
        return sb.ToString();
    }

    private void AppendThroughput(StringBuilder sb)
    {
        sb.AppendLine("| system   | mode          | proposers |  commits | commits/s |  p50 ms |  p99 ms |  max ms | vs dotNext: commits/s, p50 | alloc/commit | cpu/commit | warm-up s | jit ms |");
        sb.AppendLine("|----------|---------------|----------:|---------:|----------:|--------:|--------:|--------:|----------------------------|-------------:|-----------:|----------:|-------:|");
        foreach (var r in rows)
        {
            var ratio = Ratio(r) is var (ops, p50, with) ? $"{ops,5:F2}x, {p50,5:F2}x ({with})" : "";
            var alloc = r.Latency.Count == 0 ? "-" : $"{r.Gc.AllocatedBytes / (double)r.Latency.Count / 1024:F1} KiB";
            var cpu = r.Latency.Count == 0 ? "-" : $"{r.Gc.Processor.TotalMicroseconds / r.Latency.Count:F1} µs";
            sb.AppendLine(string.Create(Ci,
                $"| {r.System,-8} | {r.Mode,-13} | {r.Proposers,9} | {r.Latency.Count,8} | {r.Latency.PerSecond,9:F0} | {r.Latency.P50Ms,7:F3} | {r.Latency.P99Ms,7:F3} | {r.Latency.MaxMs,7:F2} | {ratio,-26} | {alloc,12} | {cpu,10} | {r.WarmedUp.TotalSeconds,9:F1} | {r.Gc.Jit.TotalMilliseconds,6:F0} |"));
            if (r.FirstAttemptFailure is not null) sb.AppendLine($"  ^ second attempt; the first failed: {r.FirstAttemptFailure}");
            if (r.Failure is not null) sb.AppendLine($"  ^ FAILED: {r.Failure}");
        }
        sb.AppendLine("akkaraft memory: in-memory journal, one ActorSystem; rocksdb / sqlite: a RocksDB database / SQLite file per peer, in-process messages; remote / remote-sqlite: the same over Akka.Remote (loopback TCP).");
        if (rows.Any(r => r.Mode == HostProcessThroughput.Mode))
            sb.AppendLine("akkaraft process: three Host node processes (key-value server, RocksDB, Akka.Remote); proposers = remote key-value clients putting 64-byte values; its cpu column counts the client and the three nodes, its alloc and jit columns the client alone, and its warm-up also waits for the nodes' tiered compiler to go quiet.");
        sb.AppendLine($"dotnext disk / shm: RaftCluster over TCP (loopback), WriteAheadLog ({DotNextCluster.ChunkSize >> 20} MiB chunks) on the disk of the journals / on /dev/shm.");
        sb.AppendLine("vs dotNext: AkkaRaft's commits/s and p50 divided by dotNext's at the same proposer count, on the same medium (memory vs shm, RocksDB or SQLite vs disk).");
        sb.AppendLine("alloc, cpu: bytes allocated and processor time (all threads of this process, whatever their system) per commit over the measured window.");
        sb.AppendLine("warm-up: load before the window opened (at least --warmup, then until the JIT went quiet, at most --warmup-max); jit: time the JIT spent compiling during the window.");
        sb.AppendLine();
    }

    private void AppendFloor(StringBuilder sb)
    {
        sb.AppendLine("| physical floor (64 bytes) | samples |  p50 ms |  p99 ms |  max ms |");
        sb.AppendLine("|---------------------------|--------:|--------:|--------:|--------:|");
        foreach (var f in floor)
            sb.AppendLine(string.Create(Ci, $"| {f.Name,-25} | {f.Latency.Count,7} | {f.Latency.P50Ms,7:F3} | {f.Latency.P99Ms,7:F3} | {f.Latency.MaxMs,7:F2} |"));
        if (Floor(PhysicalFloor.AkkaRemoteRtt) is { } rtt && Floor(PhysicalFloor.Fsync) is { } fsync)
        {
            var unit = rtt + fsync;
            foreach (var r in rows.Where(r => r is { Proposers: 1, Failure: null }))
                sb.AppendLine(string.Create(Ci, $"1 proposer, {r.System} {r.Mode}: p50 {r.Latency.P50Ms:F3} ms = {r.Latency.P50Ms / unit:F2}x (Akka.Remote RTT + fsync = {unit:F3} ms)"));
        }
        sb.AppendLine();
    }

    private void AppendFailover(StringBuilder sb)
    {
        sb.AppendLine("| failover (leader killed) | mode   | trials | median ms | max ms | every trial, ms |");
        sb.AppendLine("|--------------------------|--------|-------:|----------:|-------:|-----------------|");
        foreach (var f in failovers)
        {
            sb.AppendLine(string.Create(Ci,
                $"| {f.System,-24} | {f.Mode,-6} | {f.TrialsMs.Count,6} | {f.MedianMs,9:F0} | {f.MaxMs,6:F0} | {string.Join(" ", f.TrialsMs.Select(t => t.ToString("F0", Ci)))} |"));
            if (f.Failure is not null) sb.AppendLine($"  ^ FAILED: {f.Failure}");
        }
        sb.AppendLine("Default settings: AkkaRaft election timeout 300-600 ms, heartbeat 100 ms; dotNext election timeout 150-300 ms.");
        sb.AppendLine();
    }

    private void AppendBars(StringBuilder sb)
    {
        sb.AppendLine("Targets:");
        var budget = quick ? QuickBudget : FullBudget;
        sb.AppendLine(string.Create(Ci, $"- whole run {elapsed.TotalSeconds:F0} s (bar: under {budget.TotalSeconds:F0} s{(quick ? ", --quick" : "")}): {Verdict(elapsed < budget)}"));
        Compare(sb, "remote", "disk", 64, 1.5, "over Akka.Remote with RocksDB vs dotNext on the same disk");
        Compare(sb, "remote", "disk", 1, 1.0, "over Akka.Remote with RocksDB vs dotNext on the same disk");
        AppendDurableBars(sb);
        Compare(sb, "memory", "shm", 64, 1.5, "in memory vs dotNext on /dev/shm");
        var memory1 = Row(AkkaRaftThroughput.SystemName, "memory", 1);
        var rtt = Floor(PhysicalFloor.AkkaRemoteRtt);
        sb.AppendLine(memory1 is null || rtt is null
            ? "- 1 proposer in memory, p50 <= 3x Akka.Remote RTT: not measured by this run"
            : string.Create(Ci, $"- 1 proposer in memory, p50 {memory1.Latency.P50Ms:F3} ms vs Akka.Remote RTT {rtt:F3} ms = {memory1.Latency.P50Ms / rtt:F2}x (bar: at most 3x): {Verdict(memory1.Latency.P50Ms <= 3 * rtt)}"));
        var failover = failovers.FirstOrDefault(f => f.System == AkkaRaftThroughput.SystemName && f.TrialsMs.Count > 0);
        sb.AppendLine(failover is null
            ? "- failover median under 1 s: not measured by this run"
            : string.Create(Ci, $"- failover median {failover.MedianMs:F0} ms over {failover.TrialsMs.Count} trials (bar: under 1000 ms): {Verdict(failover.MedianMs < 1000)}"));
    }

    /// <summary>
    /// The durable path's targets: one proposer over Akka.Remote within 2x the physical floor (Akka.Remote round trip
    /// plus one fsync), at most 16 KiB allocated per commit at one proposer in one process, and the Host's three
    /// processes at 64 clients at least half the remote row's rate, within 3x the floor at one client.
    /// </summary>
    private void AppendDurableBars(StringBuilder sb)
    {
        var floor = Floor(PhysicalFloor.AkkaRemoteRtt) is { } rtt && Floor(PhysicalFloor.Fsync) is { } fsync ? rtt + fsync : (double?)null;
        var remote1 = Row(AkkaRaftThroughput.SystemName, "remote", 1);
        sb.AppendLine(remote1 is null || floor is null
            ? "- 1 proposer over Akka.Remote with RocksDB, p50 <= 2x (RTT + fsync): not measured by this run"
            : string.Create(Ci, $"- 1 proposer over Akka.Remote with RocksDB, p50 {remote1.Latency.P50Ms:F3} ms vs RTT + fsync {floor:F3} ms = {remote1.Latency.P50Ms / floor:F2}x (bar: at most 2x): {Verdict(remote1.Latency.P50Ms <= 2 * floor)}"));
        var local1 = Row(AkkaRaftThroughput.SystemName, "rocksdb", 1);
        var perCommit = local1 is null || local1.Latency.Count == 0 ? (double?)null : local1.Gc.AllocatedBytes / (double)local1.Latency.Count / 1024;
        sb.AppendLine(perCommit is null
            ? "- 1 proposer in one process with RocksDB, allocated per commit <= 16 KiB: not measured by this run"
            : string.Create(Ci, $"- 1 proposer in one process with RocksDB, {perCommit:F1} KiB allocated per commit (bar: at most 16 KiB): {Verdict(perCommit <= 16)}"));
        var process64 = Row(AkkaRaftThroughput.SystemName, HostProcessThroughput.Mode, 64);
        var remote64 = Row(AkkaRaftThroughput.SystemName, "remote", 64);
        sb.AppendLine(process64 is null || remote64 is null
            ? "- Host processes at 64 clients, at least half the remote row's rate: not measured by this run"
            : string.Create(Ci, $"- Host processes at 64 clients, {process64.Latency.PerSecond:F0} vs remote {remote64.Latency.PerSecond:F0} commits/s = {process64.Latency.PerSecond / remote64.Latency.PerSecond:F2}x (bar: at least 0.5x): {Verdict(process64.Latency.PerSecond >= 0.5 * remote64.Latency.PerSecond)}"));
        var process1 = Row(AkkaRaftThroughput.SystemName, HostProcessThroughput.Mode, 1);
        sb.AppendLine(process1 is null || floor is null
            ? "- Host processes at 1 client, p50 <= 3x (RTT + fsync): not measured by this run"
            : string.Create(Ci, $"- Host processes at 1 client, p50 {process1.Latency.P50Ms:F3} ms = {process1.Latency.P50Ms / floor:F2}x RTT + fsync (bar: at most 3x): {Verdict(process1.Latency.P50Ms <= 3 * floor)}"));
    }

    private void Compare(StringBuilder sb, string akkaMode, string dotnextMode, int proposers, double factor, string what)
    {
        var ours = Row(AkkaRaftThroughput.SystemName, akkaMode, proposers);
        var theirs = Row(DotNextThroughput.SystemName, dotnextMode, proposers);
        var bar = factor == 1.0 ? "at least dotNext's" : $"at least {factor:F1}x dotNext's";
        sb.AppendLine(ours is null || theirs is null
            ? $"- {what}, {proposers} proposers: not measured by this run"
            : string.Create(Ci, $"- {what}, {proposers} proposers: {ours.Latency.PerSecond:F0} vs {theirs.Latency.PerSecond:F0} commits/s = {ours.Latency.PerSecond / theirs.Latency.PerSecond:F2}x (bar: {bar}): {Verdict(ours.Latency.PerSecond >= factor * theirs.Latency.PerSecond)}"));
    }

    private static string Verdict(bool met) => met ? "met" : "NOT met";

    private RunResult? Row(string system, string mode, int proposers) =>
        rows.FirstOrDefault(r => r.System == system && r.Mode == mode && r.Proposers == proposers && r.Failure is null);

    private double? Floor(string name) => floor.FirstOrDefault(f => f.Name == name && f.Latency.Count > 0)?.Latency.P50Ms;

    /// <summary>AkkaRaft's commits/s and p50 over dotNext's on the same medium and proposer count, when both were measured.</summary>
    private (double Ops, double P50, string With)? Ratio(RunResult r)
    {
        if (r.Failure is not null || ComparedWith(r.System, r.Mode) is not { } with) return null;
        var theirs = Row(DotNextThroughput.SystemName, with, r.Proposers);
        return theirs is null ? null : (r.Latency.PerSecond / theirs.Latency.PerSecond, r.Latency.P50Ms / theirs.Latency.P50Ms, with);
    }

    /// <summary>
    /// Writes results.json, table.md and the charts (<see cref="Chart.WriteAll"/>) to <paramref name="directory"/>;
    /// returns the paths written, and for a chart not written, why.
    /// </summary>
    public (IReadOnlyList<string> Written, string? Skipped) Write(string directory, string header)
    {
        Directory.CreateDirectory(directory);
        var results = Path.Combine(directory, "results.json");
        var table = Path.Combine(directory, "table.md");
        File.WriteAllText(results, Json());
        File.WriteAllText(table, header + Environment.NewLine + Text());
        var (charts, skipped) = Chart.WriteAll(directory, rows);
        return ([results, table, .. charts], skipped);
    }

    public string Json()
    {
        var json = new List<JsonRow>();
        foreach (var r in rows)
        {
            var ratio = Ratio(r);
            json.Add(new JsonRow(r.System, r.Mode, "throughput")
            {
                Proposers = r.Proposers,
                Commits = r.Latency.Count,
                OpsPerSec = Finite(r.Latency.PerSecond),
                P50Ms = Finite(r.Latency.P50Ms),
                P99Ms = Finite(r.Latency.P99Ms),
                MaxMs = Finite(r.Latency.MaxMs),
                PercentilesMs = r.Latency.Percentiles?.ToDictionary(p => p.Percentile.ToString(Ci), p => Math.Round(p.Ms, 4)),
                ComparedWith = ratio?.With is { } with ? $"{DotNextThroughput.SystemName}/{with}" : null,
                OpsRatio = ratio is { } a ? Finite(a.Ops) : null,
                P50Ratio = ratio is { } b ? Finite(b.P50) : null,
                AllocatedBytesPerCommit = r.Latency.Count == 0 ? null : r.Gc.AllocatedBytes / r.Latency.Count,
                CpuMicrosecondsPerCommit = r.Latency.Count == 0 ? null : Math.Round(r.Gc.Processor.TotalMicroseconds / r.Latency.Count, 1),
                WarmupSeconds = Math.Round(r.WarmedUp.TotalSeconds, 1),
                JitMsInWindow = Math.Round(r.Gc.Jit.TotalMilliseconds, 1),
                GcPauseMsInWindow = Math.Round(r.Gc.Paused.TotalMilliseconds, 1),
                GcCollectionsInWindow = [r.Gc.Gen0, r.Gc.Gen1, r.Gc.Gen2],
                Failure = r.Failure,
                FirstAttemptFailure = r.FirstAttemptFailure,
            });
        }
        foreach (var f in failovers)
        {
            json.Add(new JsonRow(f.System, f.Mode, "failover")
            {
                Trials = f.TrialsMs.Count,
                FailoverMedianMs = Finite(f.MedianMs),
                FailoverMaxMs = Finite(f.MaxMs),
                FailoverTrialsMs = f.TrialsMs.ToArray(),
                Failure = f.Failure,
            });
        }
        foreach (var f in floor)
        {
            json.Add(new JsonRow(PhysicalFloor.SystemName, f.Name, "floor")
            {
                Samples = f.Latency.Count,
                P50Ms = Finite(f.Latency.P50Ms),
                P99Ms = Finite(f.Latency.P99Ms),
                MaxMs = Finite(f.Latency.MaxMs),
            });
        }
        return JsonSerializer.Serialize(json, ResultsJson.Options);
    }

    private static double? Finite(double value) => double.IsFinite(value) ? Math.Round(value, 4) : null;
}
