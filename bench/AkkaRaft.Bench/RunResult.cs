using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AkkaRaft.Bench;

/// <summary>Garbage-collector counters, to see what the allocations of a run cost.</summary>
internal readonly record struct GcCounters(long AllocatedBytes, int Gen0, int Gen1, int Gen2, TimeSpan Paused)
{
    public static GcCounters Now() =>
        new(GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public static GcCounters operator -(GcCounters a, GcCounters b) =>
        new(a.AllocatedBytes - b.AllocatedBytes, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Paused - b.Paused);
}

/// <summary>One table row: the commits of one proposer count over the measured window.</summary>
internal sealed record RunResult(string Journal, int Proposers, long Commits, double PerSecond, double P50Ms, double P99Ms, double MaxMs, GcCounters Gc, string? Failure)
{
    public static RunResult From(string journal, int proposers, Measurement m)
    {
        var sorted = m.LatencyTicks;
        Array.Sort(sorted);
        return new RunResult(
            journal,
            proposers,
            sorted.Length,
            sorted.Length / m.Elapsed.TotalSeconds,
            Percentile(sorted, 0.50),
            Percentile(sorted, 0.99),
            sorted.Length == 0 ? double.NaN : Ms(sorted[^1]),
            m.Gc,
            m.Failure);
    }

    /// <summary>Nearest-rank percentile of sorted ticks, in milliseconds.</summary>
    internal static double Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : Ms(sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)]);

    internal static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public static string Table(IEnumerable<RunResult> rows)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("| journal | proposers | commits | commits/s | p50 ms | p99 ms | max ms | alloc/commit | GCs gen0/1/2 | GC paused ms |");
        sb.AppendLine("|---------|----------:|--------:|----------:|-------:|-------:|-------:|-------------:|-------------:|-------------:|");
        foreach (var r in rows)
        {
            var alloc = r.Commits == 0 ? "-" : $"{r.Gc.AllocatedBytes / (double)r.Commits / 1024:F1} KiB";
            sb.AppendLine(string.Create(ci,
                $"| {r.Journal,-7} | {r.Proposers,9} | {r.Commits,7} | {r.PerSecond,9:F0} | {r.P50Ms,6:F3} | {r.P99Ms,6:F3} | {r.MaxMs,6:F2} | {alloc,12} | {$"{r.Gc.Gen0}/{r.Gc.Gen1}/{r.Gc.Gen2}",12} | {r.Gc.Paused.TotalMilliseconds,12:F0} |"));
            if (r.Failure is not null) sb.AppendLine($"  ^ FAILED: {r.Failure}");
        }
        return sb.ToString();
    }
}
