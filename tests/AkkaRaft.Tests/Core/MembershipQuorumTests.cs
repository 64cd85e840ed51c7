using AkkaRaft.Actors.Core;
using static AkkaRaft.Tests.Core.MembershipTests;

namespace AkkaRaft.Tests.Core;

/// <summary>Commit and vote arithmetic under a configuration (<see cref="VoterQuorum"/>, <see cref="VoterTally"/>); n1 leads.</summary>
public sealed class MembershipQuorumTests
{
    /// <summary>The leader n1's own match first, then the followers' (0 for one not listed).</summary>
    private static long Matched(Membership configuration, long leader, params (string Id, long Match)[] followers)
    {
        var byId = followers.ToDictionary(m => m.Id, m => m.Match);
        return VoterQuorum.MajorityMatched(configuration, "n1", leader, id => byId.TryGetValue(id, out var m) ? m : 0);
    }

    [Fact]
    public void After_a_removal_the_commit_index_is_what_a_majority_of_the_new_voters_hold()
    {
        // Reference: Raft thesis §4.1 (the new configuration governs as soon as its entry is appended)
        var before = Of(["n1", "n2", "n3", "n4", "n5"]);
        var after = MembershipChanges.Apply(before, 0, new RemoveMemberChange("n5")).Next!;
        // n1 and n2 hold 10, n3 and n4 lag at 4, removed n5 holds 10.
        (string, long)[] followers = [("n2", 10), ("n3", 4), ("n4", 4), ("n5", 10)];

        Assert.Equal(10, Matched(before, 10, followers)); // 3 of 5 with n5
        Assert.Equal(4, Matched(after, 10, followers));   // 3 of 4 without it: n5 no longer counts
    }

    [Fact]
    public void A_leader_that_removes_itself_does_not_count_itself()
    {
        // Reference: Raft thesis §4.2.2 (the leader manages a cluster that does not include itself; it replicates the
        // entry but does not count itself in majorities)
        var without = Of(["n2", "n3", "n4", "n5"]); // n1, leader, removed from five

        // n1 and n2 and n3 hold 9: three of five servers, but only two of the four voters left.
        Assert.Equal(5, Matched(without, 9, ("n2", 9), ("n3", 9), ("n4", 5), ("n5", 5)));
        Assert.Equal(9, Matched(without, 9, ("n2", 9), ("n3", 9), ("n4", 9), ("n5", 5)));
    }

    [Fact]
    public void Learners_never_count_toward_a_commit()
    {
        // Reference: Raft thesis §4.2.1 (non-voting members are not counted toward majorities)
        var c = Of(["n1", "n2", "n3"], "n4", "n5");

        Assert.Equal(3, Matched(c, 8, ("n2", 3), ("n3", 3), ("n4", 8), ("n5", 8)));
    }

    [Fact]
    public void A_voter_not_heard_from_yet_holds_nothing()
    {
        // Reference: Raft paper Figure 2 (matchIndex starts at 0 for each server)
        var c = Of(["n1", "n2", "n3", "n4"]); // n4 just promoted

        Assert.Equal(0, Matched(c, 7, ("n2", 7)));
        Assert.Equal(6, Matched(c, 7, ("n2", 7), ("n3", 6)));
    }

    [Theory]
    [InlineData(2L, 6L)] // the entry at 6 is of the leader's term: it commits
    [InlineData(3L, 4L)] // of an older term: it waits (Figure 8)
    public void Commit_under_a_configuration_still_counts_only_entries_of_the_current_term(long currentTerm, long expected)
    {
        // Reference: Raft paper §5.4.2 / Figure 8, unchanged by membership changes
        var c = Of(["n2", "n3", "n4"]);
        var followers = new Dictionary<string, long> { ["n2"] = 6, ["n3"] = 6, ["n4"] = 1 };
        var termAt = (long index) => (long?)(index <= 6 ? 2 : 3);

        Assert.Equal(expected, VoterQuorum.Advance(c, "n1", 8, id => followers[id], currentCommit: 4, currentTerm, termAt));
    }

    [Fact]
    public void Votes_count_only_from_voters_of_the_candidates_latest_configuration()
    {
        // Reference: Raft thesis §4.1 (elections use the latest configuration), §4.2.1 (learners do not vote)
        var c = Of(["n1", "n2", "n3", "n4", "n5"], "n6");
        var tally = new VoterTally(c);

        Assert.True(tally.Record("n1", true));
        Assert.False(tally.Record("n6", true)); // a learner
        Assert.False(tally.Record("n9", true)); // a removed or unknown server
        Assert.True(tally.Record("n2", true));
        Assert.False(tally.Record("n2", true)); // its first answer counted already
        Assert.False(tally.Won);
        Assert.True(tally.Record("n3", true));
        Assert.True(tally.Won);
        Assert.False(tally.Lost);
    }

    [Fact]
    public void A_candidate_loses_once_a_majority_of_voters_refused()
    {
        // Reference: Raft paper §5.2 (a candidate that cannot win waits for another leader or a new election)
        var tally = new VoterTally(Of(["n1", "n2", "n3"], "n4"));
        tally.Record("n4", false);
        tally.Record("n2", false);
        Assert.False(tally.Lost); // only one voter refused
        tally.Record("n3", false);
        Assert.True(tally.Lost);
    }

    [Fact]
    public void A_majority_of_ids_counts_each_voter_once_and_nothing_else()
    {
        // Reference: Raft thesis §4.1 (a majority of the configuration's voters)
        var c = Of(["n1", "n2", "n3", "n4"], "n5");

        Assert.False(VoterQuorum.IsMajority(c, ["n1", "n2", "n5", "n9"]));
        Assert.False(VoterQuorum.IsMajority(c, ["n1", "n2", "n2"]));
        Assert.True(VoterQuorum.IsMajority(c, ["n1", "n2", "n3"]));
    }
}
