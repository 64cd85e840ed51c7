namespace AkkaRaft.TestKit;

/// <summary>
/// A <see cref="TimeProvider"/> that reads an Akka scheduler's <c>Now</c>. Give it to peers on virtual
/// time (<c>Akka.TestKit.TestScheduler</c>) as <see cref="AkkaRaft.Actors.RaftActorOptions.Clock"/>, so that lease
/// reads and the "heard from" times in status follow the test's <c>Advance</c> calls. On a real scheduler it is the
/// wall clock, which may jump: use <see cref="TimeProvider.System"/> (the default) there.
/// </summary>
public sealed class SchedulerTimeProvider : TimeProvider
{
    private readonly IScheduler _scheduler;

    /// <summary>A clock that reads <paramref name="scheduler"/>'s time.</summary>
    public SchedulerTimeProvider(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        _scheduler = scheduler;
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => _scheduler.Now;

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override long GetTimestamp() => _scheduler.Now.UtcTicks;
}
