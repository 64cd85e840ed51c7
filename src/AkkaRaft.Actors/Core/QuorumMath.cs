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

/// <summary>Votes received by a candidate in one term.</summary>
internal sealed class VoteTally
{
    private readonly HashSet<string> _granted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private readonly int _voters;

    public VoteTally(int voters) => _voters = voters;

    /// <summary>Records one voter's answer; a voter's first answer in the term is the one that counts.</summary>
    public void Record(string voter, bool granted)
    {
        if (_granted.Contains(voter) || _refused.Contains(voter)) return;
        (granted ? _granted : _refused).Add(voter);
    }

    public bool Won => _granted.Count >= QuorumMath.Majority(_voters);

    public bool Lost => _refused.Count > _voters - QuorumMath.Majority(_voters);
}
