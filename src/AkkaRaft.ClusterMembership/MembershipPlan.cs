namespace AkkaRaft.ClusterMembership;

/// <summary>The next thing the leader's <see cref="RaftClusterMembership"/> does, decided by <see cref="MembershipPlan"/>.</summary>
internal abstract record PlannedStep
{
    /// <summary>Add the member as a voter (learner, catch-up, promotion), if the configuration is still the one read.</summary>
    public sealed record Add(string Id, string Address, long ExpectedConfigurationIndex) : PlannedStep;

    /// <summary>Remove the member, if the configuration is still the one read.</summary>
    public sealed record Remove(string Id, long ExpectedConfigurationIndex) : PlannedStep;

    /// <summary>The latest configuration is not committed yet: read again later (Raft thesis §4.1, one change at a time).</summary>
    public sealed record AwaitCommit(long ConfigurationIndex) : PlannedStep;

    /// <summary>The member left the cluster, but removing it would leave fewer voters than the minimum.</summary>
    public sealed record HoldRemoval(string Id, int Voters, int MinVoters) : PlannedStep;

    /// <summary>The group matches the cluster.</summary>
    public sealed record Nothing : PlannedStep;
}

/// <summary>
/// Compares the leader's configuration with the cluster's members and picks one change, or none. Plain code: the actor
/// reads the configuration, asks this, and carries out the answer.
/// </summary>
internal static class MembershipPlan
{
    /// <summary>
    /// The next change: first a removal that leaves at least <paramref name="minVoters"/> voters (a member gone from the
    /// cluster only weakens the quorum), then an addition of a member that is Up, then, when only removals the minimum
    /// forbids are left, the first of them to report.
    /// </summary>
    /// <param name="members">The leader's latest configuration.</param>
    /// <param name="up">Cluster members that are Up and host a peer: id to Raft address.</param>
    /// <param name="removed">Ids of cluster members Removed from the cluster and not Up again.</param>
    /// <param name="minVoters">The fewest voters a removal may leave.</param>
    public static PlannedStep Next(Members members, IReadOnlyDictionary<string, string> up, IReadOnlySet<string> removed, int minVoters)
    {
        if (!members.Committed) return new PlannedStep.AwaitCommit(members.ConfigurationIndex);
        var voters = members.List.Count(m => m.IsVoter);
        PlannedStep.HoldRemoval? held = null;
        foreach (var id in removed.Order(StringComparer.Ordinal))
        {
            if (up.ContainsKey(id)) continue;
            if (members.IsLearner(id) || (members.IsVoter(id) && voters - 1 >= minVoters))
                return new PlannedStep.Remove(id, members.ConfigurationIndex);
            if (members.IsVoter(id)) held ??= new PlannedStep.HoldRemoval(id, voters, minVoters);
        }
        foreach (var (id, address) in up.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (!members.IsVoter(id)) return new PlannedStep.Add(id, address, members.ConfigurationIndex);
        return held ?? (PlannedStep)new PlannedStep.Nothing();
    }
}
