using System.Runtime.CompilerServices;

namespace AkkaRaft.Tests;

/// <summary>
/// Raises the thread pool's minimum for the test process before any test runs.
/// <para>
/// The test host keeps two pool threads busy for the whole run: vstest's socket loop and the xunit adapter's wait for
/// the assembly to finish. The pool's minimum is the processor count, so on a 2-core machine every actor runs on threads
/// the pool injects beyond that minimum; when it has trimmed them, it adds them back about one per half second.
/// Measured here with a watchdog thread that queued one work item every 10 ms: during the lab's persistence tests an
/// item waited up to 1.9 s for a thread, while the watchdog's own 10 ms sleeps returned on time (no garbage-collection
/// pause, no shortage of processor). Every peer of a simulated cluster shares that pool, so a wait longer than an
/// election timeout made every follower time out in the same millisecond; <c>Figure8Unreliable2C</c> failed that way,
/// unable to keep a leader for 10 s, in two of eight full runs. With this floor the same tests saw no wait over 300 ms.
/// </para>
/// <para>
/// It changes nothing a test asserts: peers, timers and the simulated network are the same; only queued actor work
/// waits less for a thread.
/// </para>
/// </summary>
internal static class ThreadPoolFloor
{
    private const int MinimumWorkers = 16;

    [ModuleInitializer]
    internal static void Raise()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, MinimumWorkers), Math.Max(io, MinimumWorkers));
    }
}
