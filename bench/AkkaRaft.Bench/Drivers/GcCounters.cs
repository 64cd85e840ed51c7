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
