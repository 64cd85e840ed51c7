using AkkaRaft.Actors.Configuration;

namespace AkkaRaft.Actors;

/// <summary>Prepares an <see cref="ActorSystem"/> to host Raft peers.</summary>
public static class RaftSystem
{
    /// <summary>
    /// Call once, on the thread that created <paramref name="system"/>, before starting peers. It adds AkkaRaft's
    /// defaults (reference.conf, serializer bindings) to the system, and starts the system's scheduler clock.
    /// </summary>
    /// <remarks>
    /// Akka.NET 1.5 starts the scheduler's clock lazily: the first call that schedules anything queues the clock on
    /// the .NET thread pool and blocks its own thread until the clock runs. Peers start their timers as they start,
    /// on thread-pool threads, so peers started together on a fresh system can occupy every pool thread waiting for a
    /// clock that needs one of them; the pool adds threads slowly on a busy machine, and recovery and the first
    /// election were seen to stall for 1 to 6 seconds. Starting the clock here, from a thread that is free to wait,
    /// avoids that. Calling it again is harmless.
    /// </remarks>
    public static void Prepare(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        RaftConfig.Inject(system);
        system.Scheduler.Advanced.ScheduleOnce(TimeSpan.Zero, static () => { });
    }
}
