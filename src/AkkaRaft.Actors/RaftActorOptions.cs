using Akka.Actor;

namespace AkkaRaft.Actors;

/// <summary>Optional wiring of a <see cref="RaftActor"/> beyond its settings and peers.</summary>
public sealed record RaftActorOptions
{
    /// <summary>
    /// Source of the randomness behind election timeouts. Pin it (a seeded <see cref="System.Random"/>)
    /// for repeatable tests; null means a fresh, unseeded one.
    /// </summary>
    public Random? Random { get; init; }

    /// <summary>
    /// Actor that receives every committed entry as an <see cref="Applied"/> message, in log order,
    /// each index once per incarnation of the peer (a restarted peer applies again from index 1).
    /// </summary>
    public IActorRef? ApplyTo { get; init; }

    /// <summary>
    /// HOCON path of the Akka.Persistence journal plugin this peer writes to (for example
    /// <c>akka.persistence.journal.sql-n1</c>); null means the system's default, <c>akka.persistence.journal.plugin</c>.
    /// Lets several peers in one ActorSystem each keep their own journal.
    /// </summary>
    public string? JournalPluginId { get; init; }

    /// <summary>HOCON path of the snapshot store plugin; null means the system's default.</summary>
    public string? SnapshotPluginId { get; init; }

    /// <summary>
    /// The clock behind lease reads and the "heard from" times in <see cref="RaftState"/>; only its timestamps are
    /// used, never its wall-clock time. Null means <see cref="TimeProvider.System"/>, a monotonic clock. Tests on
    /// virtual time pass one that follows their scheduler (AkkaRaft.TestKit's <c>SchedulerTimeProvider</c>), so
    /// that a lease ends when the test advances time past it.
    /// </summary>
    public TimeProvider? Clock { get; init; }
}
