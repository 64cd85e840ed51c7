using System.Collections.Concurrent;

namespace AkkaRaft.Tests.Properties;

/// <summary>
/// The parent of a peer under test. Its supervisor strategy sees every exception the peer throws, records it and lets
/// Akka restart the peer as the default strategy would; it also records the peer stopping. A peer that survives its
/// traffic leaves <see cref="Failures"/> empty.
/// </summary>
internal sealed class RecordingSupervisor : ReceiveActor
{
    /// <summary>Ask the supervisor for the peer's reference.</summary>
    public sealed class GetPeer
    {
        public static readonly GetPeer Instance = new();
        private GetPeer() { }
    }

    private readonly ConcurrentQueue<string> _failures;

    public RecordingSupervisor(Props peerProps, ConcurrentQueue<string> failures)
    {
        _failures = failures;
        var peer = Context.ActorOf(peerProps, "peer");
        Context.Watch(peer);
        Receive<GetPeer>(_ => Sender.Tell(peer));
        Receive<Terminated>(t => _failures.Enqueue($"the peer stopped ({t.ActorRef.Path})"));
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(cause =>
    {
        _failures.Enqueue($"the peer threw and was restarted: {cause.GetType().Name}: {cause.Message}{Environment.NewLine}{cause.StackTrace}");
        return Directive.Restart;
    });
}
