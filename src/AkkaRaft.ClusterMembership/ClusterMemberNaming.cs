using Akka.Cluster;

namespace AkkaRaft.ClusterMembership;

/// <summary>
/// The convention that maps an Akka.Cluster member to a Raft member: whether it hosts a peer (it has the configured
/// role), its id (from a role or its host and port) and its Raft address (its cluster address followed by the peer's path).
/// </summary>
internal sealed class ClusterMemberNaming(RaftClusterMembershipSettings settings)
{
    /// <summary>True when <paramref name="member"/> hosts a peer of the group.</summary>
    public bool HostsPeer(Member member) => settings.Role.Length == 0 || member.HasRole(settings.Role);

    /// <summary>The Raft id of <paramref name="member"/>, or null when it carries none (no id role, or more than one).</summary>
    public string? IdOf(Member member)
    {
        if (settings.IdFrom == ClusterMemberIdSource.HostPort)
            return member.Address.Host is { Length: > 0 } host && member.Address.Port is { } port ? $"{host}:{port}" : null;
        var ids = member.Roles.Where(r => r.StartsWith(settings.IdRolePrefix, StringComparison.Ordinal) && r.Length > settings.IdRolePrefix.Length).ToArray();
        return ids.Length == 1 ? ids[0][settings.IdRolePrefix.Length..] : null;
    }

    /// <summary>The actor path at which <paramref name="member"/>'s peer is reached, as text.</summary>
    public string AddressOf(Member member) => member.Address + settings.PeerPath;
}
