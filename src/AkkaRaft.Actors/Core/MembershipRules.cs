namespace AkkaRaft.Actors.Core;

/// <summary>When a leader may start a configuration change (Raft thesis §4.1, with the correction of 2015).</summary>
internal static class MembershipRules
{
    /// <summary>
    /// Whether a leader of <paramref name="currentTerm"/> may append a new configuration entry, or why not (both
    /// refusals are retryable: they last only until a commit).
    /// <list type="bullet">
    /// <item>Thesis §4.1: one change at a time. A configuration entry above the commit index is a change in progress;
    /// single-server changes are safe only because consecutive configurations differ by one server.</item>
    /// <item>Ongaro, raft-dev 2015, "bug in single-server membership changes": a new leader must first commit an entry of
    /// its own term. Its log may lack an uncommitted configuration an earlier leader appended elsewhere; changing the
    /// configuration it has would create a second configuration that differs from that one by two servers, whose
    /// majorities need not overlap, and a committed change could be lost. Committing an entry of its term first means
    /// no server with that older entry can be elected again.</item>
    /// </list>
    /// </summary>
    /// <param name="latestConfigurationIndex">The index of the leader's latest configuration entry (0: bootstrap).</param>
    /// <param name="commitIndex">The leader's commit index.</param>
    /// <param name="currentTerm">The leader's term.</param>
    /// <param name="termAtCommit">The term of the entry at the commit index (0 for the empty log).</param>
    public static MembershipRefusal? CanPropose(long latestConfigurationIndex, long commitIndex, long currentTerm, long? termAtCommit)
    {
        if (latestConfigurationIndex > commitIndex)
            return new MembershipRefusal(MembershipRefusalReason.ChangeInProgress,
                $"a membership change is in progress: the configuration of index {latestConfigurationIndex} is not committed yet (commit index {commitIndex})");
        // The leader's entries are the last of its log and all of its term, so an entry of its term has committed
        // exactly when the entry at the commit index is of its term.
        if (termAtCommit != currentTerm)
            return new MembershipRefusal(MembershipRefusalReason.TermNotCommitted,
                $"the leader has not yet committed an entry of its term {currentTerm} (commit index {commitIndex} is of term {termAtCommit?.ToString() ?? "unknown"})");
        return null;
    }

    /// <summary>
    /// A leader's whole decision on <paramref name="change"/>: the configuration to append as the next entry, or why
    /// not (<see cref="CanPropose"/>, then <see cref="MembershipChanges.Apply"/> to the latest configuration).
    /// </summary>
    /// <param name="configurations">The leader's configuration history, told of its commit index.</param>
    /// <param name="currentTerm">The leader's term.</param>
    /// <param name="termAt">The term of a log index (<see cref="RaftLog.TermAt"/>).</param>
    /// <param name="change">The change asked for.</param>
    public static (Membership? Next, MembershipRefusal? Refusal) Propose(MembershipLog configurations, long currentTerm, Func<long, long?> termAt, MembershipChange change)
    {
        var latest = configurations.Latest;
        var refusal = CanPropose(latest.Index, configurations.CommitIndex, currentTerm, termAt(configurations.CommitIndex));
        return refusal is not null ? (null, refusal) : MembershipChanges.Apply(latest.Membership, latest.Index, change);
    }
}
