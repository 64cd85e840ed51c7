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
    /// Actor that receives every committed entry as an <see cref="Messages.Applied"/> message, in log order,
    /// each index once per incarnation of the peer (a restarted peer applies again from index 1).
    /// </summary>
    public IActorRef? ApplyTo { get; init; }
}
