namespace AkkaRaft.Actors.Core;

/// <summary>
/// Majorities under a configuration (Raft thesis §4.1): only the voters of the configuration in effect (the latest one,
/// committed or not) count. Learners never count, and neither does a leader that the latest configuration no longer
/// lists (thesis §4.2.2: a leader removing itself replicates the change but is not part of the majority that commits
/// it). Built on <see cref="QuorumMath"/>, which it leaves as it is.
/// </summary>
internal static class VoterQuorum
{
    // Above this many voters the match indexes go to the heap instead of the stack.
    private const int StackVoters = 64;

    /// <summary>
    /// The highest index a majority of <paramref name="configuration"/>'s voters hold: the leader
    /// <paramref name="leaderId"/> with <paramref name="leaderMatch"/> (its own durable last index) if it is one of them,
    /// every other voter with <paramref name="matchOf"/> (0 for a voter not heard from yet, Figure 2).
    /// </summary>
    public static long MajorityMatched(Membership configuration, string leaderId, long leaderMatch, Func<string, long> matchOf)
    {
        var voters = configuration.Voters.Length;
        Span<long> matches = voters <= StackVoters ? stackalloc long[voters] : new long[voters];
        Fill(matches, configuration, leaderId, leaderMatch, matchOf);
        return QuorumMath.MajorityMatched(matches);
    }

    /// <summary>
    /// The commit index a leader of <paramref name="currentTerm"/> may move to under <paramref name="configuration"/>:
    /// the index a majority of its voters hold (<see cref="MajorityMatched"/>), when that entry is of the current term
    /// (<see cref="CommitRule"/>, Raft §5.4.2).
    /// </summary>
    public static long Advance(Membership configuration, string leaderId, long leaderMatch, Func<string, long> matchOf, long currentCommit, long currentTerm, Func<long, long?> termAt)
    {
        var voters = configuration.Voters.Length;
        Span<long> matches = voters <= StackVoters ? stackalloc long[voters] : new long[voters];
        Fill(matches, configuration, leaderId, leaderMatch, matchOf);
        return CommitRule.Advance(matches, currentCommit, currentTerm, termAt);
    }

    /// <summary>True when <paramref name="ids"/> include a majority of <paramref name="configuration"/>'s voters (others are not counted, nor repeats).</summary>
    public static bool IsMajority(Membership configuration, IEnumerable<string> ids) =>
        ids.Where(configuration.IsVoter).Distinct(StringComparer.Ordinal).Count() >= configuration.Majority;

    private static void Fill(Span<long> matches, Membership configuration, string leaderId, long leaderMatch, Func<string, long> matchOf)
    {
        // Only the voters of this configuration count: never a learner, nor a leader that removed itself (§4.2.2).
        var voters = configuration.Voters;
        for (var i = 0; i < voters.Length; i++)
            matches[i] = voters[i].Id == leaderId ? leaderMatch : matchOf(voters[i].Id);
    }
}

/// <summary>
/// Votes received by a candidate in one term, counted under its latest configuration: an answer from a server that is
/// not a voter there (a learner, a removed server) is not counted (thesis §4.1).
/// </summary>
internal sealed class VoterTally
{
    private readonly HashSet<string> _granted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private readonly Membership _configuration;

    public VoterTally(Membership configuration) => _configuration = configuration;

    /// <summary>
    /// Records one voter's answer; a voter's first answer in the term is the one that counts. False when the answer is
    /// not counted: not from a voter of the configuration, or not its first.
    /// </summary>
    public bool Record(string id, bool granted)
    {
        if (!_configuration.IsVoter(id) || _granted.Contains(id) || _refused.Contains(id)) return false;
        (granted ? _granted : _refused).Add(id);
        return true;
    }

    public bool Won => _granted.Count >= _configuration.Majority;

    public bool Lost => _refused.Count > _configuration.Voters.Length - _configuration.Majority;
}
