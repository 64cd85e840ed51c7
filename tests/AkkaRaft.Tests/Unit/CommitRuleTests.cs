using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Unit;

/// <summary>Majorities and the leader's commit rule, including the Figure 8 restriction.</summary>
public sealed class CommitRuleTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(5, 3)]
    [InlineData(6, 4)]
    [InlineData(7, 4)]
    public void Majority_is_more_than_half_of_the_voters(int voters, int majority)
    {
        // Reference: Raft paper §5.2 (a candidate wins with votes from a majority of the full cluster)
        Assert.Equal(majority, QuorumMath.Majority(voters));
    }

    [Theory]
    [InlineData(new long[] { 4 }, 4)]
    [InlineData(new long[] { 4, 2 }, 2)]
    [InlineData(new long[] { 5, 3, 1 }, 3)]
    [InlineData(new long[] { 1, 5, 3 }, 3)]
    [InlineData(new long[] { 9, 9, 2, 2 }, 2)]
    [InlineData(new long[] { 9, 9, 9, 2 }, 9)]
    [InlineData(new long[] { 7, 1, 6, 2, 5 }, 5)]
    [InlineData(new long[] { 8, 8, 8, 1, 1, 1 }, 1)]
    [InlineData(new long[] { 1, 2, 3, 4, 5, 6, 7 }, 4)]
    public void Majority_matched_is_the_highest_index_a_majority_holds(long[] matchIndexes, long expected)
    {
        // Reference: Raft paper Figure 2 (an N with matchIndex[i] ≥ N on a majority)
        Assert.Equal(expected, QuorumMath.MajorityMatched(matchIndexes));
    }

    [Fact]
    public void Entry_of_an_older_term_on_a_majority_is_not_committed_by_counting_replicas()
    {
        // Reference: Raft paper §5.4.2, Figure 8 (c): S1, leader of term 4, has replicated the term-2 entry
        // at index 2 to a majority (S1, S2, S3); it still must not commit it, or S5 could overwrite it in term 5.
        long?[] terms = { 0, 1, 2, 4 };
        var matches = new long[] { 3, 2, 2, 1, 1 };

        var commit = CommitRule.Advance(matches, currentCommit: 1, currentTerm: 4, termAt: i => terms[i]);

        Assert.Equal(1, commit);
    }

    [Fact]
    public void Entry_of_the_current_term_on_a_majority_commits_it_and_everything_before()
    {
        // Reference: Raft paper §5.4.2, Figure 8 (e): once S1's term-4 entry at index 3 is on a majority,
        // it commits, and with it the term-2 entry at index 2.
        long?[] terms = { 0, 1, 2, 4 };
        var matches = new long[] { 3, 3, 3, 1, 1 };

        var commit = CommitRule.Advance(matches, currentCommit: 1, currentTerm: 4, termAt: i => terms[i]);

        Assert.Equal(3, commit);
    }

    [Fact]
    public void Entry_of_the_current_term_on_a_minority_is_not_committed()
    {
        // Reference: Raft paper §5.3 (committed once replicated on a majority)
        long?[] terms = { 0, 1, 4 };
        var matches = new long[] { 2, 2, 1, 1, 1 };

        var commit = CommitRule.Advance(matches, currentCommit: 1, currentTerm: 4, termAt: i => terms[i]);

        Assert.Equal(1, commit);
    }

    [Fact]
    public void Commit_index_never_goes_backward()
    {
        // Reference: Raft paper Figure 2 (commitIndex increases monotonically)
        long?[] terms = { 0, 3, 3, 3, 3, 3 };
        var matches = new long[] { 5, 2, 2 }; // e.g. followers restarted and re-acknowledged less

        var commit = CommitRule.Advance(matches, currentCommit: 4, currentTerm: 3, termAt: i => terms[i]);

        Assert.Equal(4, commit);
    }
}
