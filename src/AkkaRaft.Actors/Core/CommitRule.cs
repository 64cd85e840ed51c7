namespace AkkaRaft.Actors.Core;

/// <summary>The leader's commit rule, kept apart from the actor so it can be tested alone.</summary>
internal static class CommitRule
{
    /// <summary>
    /// The commit index a leader of <paramref name="currentTerm"/> may move to, given every voter's match index
    /// (its own durable last index included). Raft §5.4.2 / Figure 8: an index replicated on a majority is committed
    /// by counting replicas only if its entry is from the current term; older entries commit indirectly with it.
    /// </summary>
    public static long Advance(IReadOnlyCollection<long> matchIndexes, long currentCommit, long currentTerm, Func<long, long?> termAt) =>
        Advance(matchIndexes.ToArray().AsSpan(), currentCommit, currentTerm, termAt);

    /// <summary>As the overload above; <paramref name="matchIndexes"/> is reordered in place.</summary>
    public static long Advance(Span<long> matchIndexes, long currentCommit, long currentTerm, Func<long, long?> termAt)
    {
        var candidate = QuorumMath.MajorityMatched(matchIndexes);
        if (candidate <= currentCommit) return currentCommit;
        return termAt(candidate) == currentTerm ? candidate : currentCommit;
    }
}
