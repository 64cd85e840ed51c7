namespace AkkaRaft.Actors.Core;

/// <summary>Majority arithmetic for a fixed voter set. Pure functions, no state.</summary>
internal static class QuorumMath
{
    /// <summary>The smallest number of voters out of <paramref name="voters"/> that forms a majority.</summary>
    public static int Majority(int voters) => voters / 2 + 1;

    /// <summary>
    /// The highest index that a majority of <paramref name="matchIndexes"/> (one per voter, the leader's own
    /// included) have reached: sort descending and take the majority-th value.
    /// </summary>
    public static long MajorityMatched(IReadOnlyCollection<long> matchIndexes) => MajorityMatched(matchIndexes.ToArray().AsSpan());

    /// <summary>As <see cref="MajorityMatched(IReadOnlyCollection{long})"/>, sorting <paramref name="matchIndexes"/> in place (no allocation).</summary>
    public static long MajorityMatched(Span<long> matchIndexes)
    {
        if (matchIndexes.Length == 0) throw new ArgumentException("no voters", nameof(matchIndexes));
        matchIndexes.Sort();
        // Ascending order: the value that a majority have reached or passed.
        return matchIndexes[matchIndexes.Length - Majority(matchIndexes.Length)];
    }
}
