using System.Diagnostics;

namespace AkkaRaft.Bench;

/// <summary>
/// Garbage-collector counters, the JIT's compilation time and the processor time of the whole process (every thread, threads spinning while they
/// wait included), to see what a run costs: on a machine of two cores, a row that keeps both busy can only go faster by
/// spending less processor time per commit.
/// </summary>
internal readonly record struct GcCounters(long AllocatedBytes, int Gen0, int Gen1, int Gen2, TimeSpan Paused, TimeSpan Processor, TimeSpan Jit)
{
    public static GcCounters Now()
    {
        using var self = Process.GetCurrentProcess();
        return new(GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), self.TotalProcessorTime,
            System.Runtime.JitInfo.GetCompilationTime());
    }

    public static GcCounters operator -(GcCounters a, GcCounters b) =>
        new(a.AllocatedBytes - b.AllocatedBytes, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Paused - b.Paused, a.Processor - b.Processor, a.Jit - b.Jit);
}

/// <summary>
/// One throughput row: the commits of one system, mode and proposer count over the measured window
/// (<see cref="Report"/> prints and writes them).
/// </summary>
internal sealed record RunResult(string System, string Mode, int Proposers, LatencySummary Latency, GcCounters Gc, string? Failure)
{
    /// <summary>Why the first attempt at this row failed, when this is the second.</summary>
    public string? FirstAttemptFailure { get; init; }

    /// <summary>How long the load ran before the measured window opened.</summary>
    public TimeSpan WarmedUp { get; init; }

    public static RunResult From(string system, string mode, int proposers, Measurement m) =>
        new(system, mode, proposers, m.Latency, m.Gc, m.Failure) { WarmedUp = m.WarmedUp };

    /// <summary>A row that could not be measured at all (no leader, a failed start).</summary>
    public static RunResult Failed(string system, string mode, int proposers, string reason) =>
        new(system, mode, proposers, new LatencySummary(0, 0, double.NaN, double.NaN, double.NaN), default, reason);
}
