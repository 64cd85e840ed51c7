
namespace AkkaRaft.Actors;

/// <summary>
/// AkkaRaft's Akka extension, one per <see cref="ActorSystem"/>. The first peer of a system loads it: it adds
/// AkkaRaft's defaults (<see cref="RaftSettings.DefaultConfig"/>, with the serializer bindings of the peer-to-peer
/// protocol and the journal events) to the system, and starts the system's scheduler clock without holding a
/// thread-pool thread. Nothing needs to be called before creating a peer. To load it when the system starts, list
/// <c>"AkkaRaft.Actors.RaftExtensionProvider, AkkaRaft.Actors"</c> in <c>akka.extensions</c>.
/// </summary>
public sealed class RaftExtension : IExtension
{
    /// <summary>The extension of <paramref name="system"/>, loading it on first use.</summary>
    public static RaftExtension Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.WithExtension<RaftExtension, RaftExtensionProvider>();
    }

    internal RaftExtension(ExtendedActorSystem system, Func<Task> startClock)
    {
        // Akka.NET resolves serializer bindings lazily, so bindings added after start-up still apply.
        system.Settings.InjectTopLevelFallback(RaftSettings.DefaultConfig());
        ClockStarted = startClock();
    }

    /// <summary>Completes once the system's scheduler clock runs: from then on, scheduling never waits.</summary>
    internal Task ClockStarted { get; }
}

/// <summary>Creates the <see cref="RaftExtension"/> of a system; Akka.NET calls it once per system.</summary>
public sealed class RaftExtensionProvider : ExtensionIdProvider<RaftExtension>
{
    private readonly Func<ExtendedActorSystem, Task> _startClock;

    /// <summary>The provider Akka.NET instantiates, from code or from <c>akka.extensions</c>.</summary>
    public RaftExtensionProvider() : this(static system =>
        SchedulerClock.Start(() => system.Scheduler.Advanced.ScheduleOnce(TimeSpan.Zero, static () => { })))
    {
    }

    /// <summary>A provider whose extension reports the clock started when <paramref name="startClock"/>'s task completes.</summary>
    internal RaftExtensionProvider(Func<ExtendedActorSystem, Task> startClock) => _startClock = startClock;

    /// <inheritdoc />
    public override RaftExtension CreateExtension(ExtendedActorSystem system) => new(system, () => _startClock(system));
}

/// <summary>
/// Starts a scheduler clock from a thread that is free to wait. Akka.NET 1.5 starts its clock lazily: the first call
/// that schedules anything queues the clock on the .NET thread pool and blocks its own thread until the clock runs.
/// Peers starting together on a fresh system each schedule as they recover, on pool threads, so they could occupy
/// every pool thread waiting for a clock that needs one of them; on a busy machine the pool adds threads slowly, and
/// start-up stalled for seconds. So: on a pool thread, the start is handed to a dedicated thread and the caller waits
/// for <see cref="Task"/> completion asynchronously; on any other thread the clock is started in place.
/// </summary>
internal static class SchedulerClock
{
    public static Task Start(Action scheduleOnce)
    {
        if (!Thread.CurrentThread.IsThreadPoolThread)
        {
            scheduleOnce();
            return Task.CompletedTask;
        }
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var starter = new Thread(() =>
        {
            try
            {
                scheduleOnce();
                started.SetResult();
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }) { IsBackground = true, Name = "akka-raft-clock-start" };
        starter.Start();
        return started.Task;
    }
}
