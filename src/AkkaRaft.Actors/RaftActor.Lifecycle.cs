namespace AkkaRaft.Actors;

public sealed partial class RaftActor
{
    /// <summary>
    /// A peer never stops itself because of its ActorSystem's cluster membership, but the system's shutdown stops it:
    /// say so, and say loudly when Akka.Cluster downed this node (by default its coordinated shutdown then terminates
    /// the ActorSystem, and the peer with it), so a peer never disappears without a line of its own.
    /// </summary>
    protected override void PostStop()
    {
        UnregisterMetrics(); // a stopped peer's gauges disappear
        // HasExtension first: creating the extension while the system terminates would be a side effect of logging.
        var reason = Context.System.HasExtension<CoordinatedShutdown>() ? CoordinatedShutdown.Get(Context.System).ShutdownReason : null;
        if (reason is CoordinatedShutdown.ClusterDowningReason)
            _logger.Warning("{0} stopped at term {1}: Akka.Cluster downed this node and its coordinated shutdown is terminating the ActorSystem. " +
                "To keep Raft peers out of cluster downing see hocon/embedding-cluster.hocon", _id, _currentTerm);
        else if (reason is not null)
            _logger.Info("{0} stopped at term {1}: the ActorSystem is shutting down ({2})", _id, _currentTerm, reason.GetType().Name);
        base.PostStop();
    }
}
