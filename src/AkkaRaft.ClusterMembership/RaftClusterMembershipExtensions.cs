namespace AkkaRaft.ClusterMembership;

/// <summary>Starts a <see cref="RaftClusterMembership"/> beside a peer when the configuration asks for one.</summary>
public static class RaftClusterMembershipExtensions
{
    /// <summary>
    /// Starts the component beside <paramref name="peer"/> in <paramref name="system"/> under <paramref name="name"/> when
    /// <c>akka.raft.membership.mode = akka-cluster</c>, reading its settings from the system; returns null, starting
    /// nothing, when the mode is static.
    /// </summary>
    /// <exception cref="Akka.Configuration.ConfigurationException">A setting is malformed; the message names it.</exception>
    public static IActorRef? StartRaftClusterMembership(this ActorSystem system, IActorRef peer, RaftSettings raftSettings, string name = "raft-membership")
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(raftSettings);
        return raftSettings.MembershipMode == RaftMembershipMode.AkkaCluster
            ? system.ActorOf(RaftClusterMembership.Props(peer, raftSettings, RaftClusterMembershipSettings.Create(system)), name)
            : null;
    }
}
