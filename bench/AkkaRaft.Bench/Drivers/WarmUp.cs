using System.Diagnostics;
using System.Runtime;

namespace AkkaRaft.Bench;

/// <summary>
/// The warm-up before a measured window: the load runs at least the minimum, and then until the JIT has gone quiet.
/// On two busy cores the runtime's tiered compiler takes 15 s or more to re-compile the hot paths of the three
/// ActorSystems, Akka.Streams, linq2db and DotNetty (measured with perf on this machine: about a third of the
/// processor went to it in that time), so a window opened after a fixed two seconds measured the JIT as much as
/// the system. A node runs for days; its steady state is what the rows compare, for both systems alike.
/// </summary>
internal static class WarmUp
{
    /// <summary>The JIT counts as quiet when it spent less than this compiling over the last <see cref="Sample"/>.</summary>
    public static readonly TimeSpan QuietJitTime = TimeSpan.FromMilliseconds(10);

    private static readonly TimeSpan Sample = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Waits <paramref name="minimum"/>, then until the JIT is quiet or <paramref name="maximum"/> has passed in all;
    /// returns how long it waited.
    /// </summary>
    public static async Task<TimeSpan> UntilJitQuiet(TimeSpan minimum, TimeSpan maximum)
    {
        var start = Stopwatch.GetTimestamp();
        await Task.Delay(minimum);
        var compiling = JitInfo.GetCompilationTime();
        while (Stopwatch.GetElapsedTime(start) + Sample <= maximum)
        {
            await Task.Delay(Sample);
            var now = JitInfo.GetCompilationTime();
            if (now - compiling < QuietJitTime) break;
            compiling = now;
        }
        return Stopwatch.GetElapsedTime(start);
    }
}
