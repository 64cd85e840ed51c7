using AkkaRaft.Actors;
using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;
using static AkkaRaft.Tests.Core.MembershipTests;

namespace AkkaRaft.Tests.Core;

/// <summary>When a leader may start a membership change (<see cref="MembershipRules"/>).</summary>
public sealed class MembershipRulesTests
{
    private static readonly Membership C0 = Of(["n1", "n2", "n3"]);

    /// <summary>A leader of term 2 whose log is <c>[1, 2]</c>, both entries committed: it may change the configuration.</summary>
    private static (MembershipLog History, RaftLog Log) SettledLeader()
    {
        var history = new MembershipLog(C0);
        history.CommittedTo(2);
        return (history, Logs.Of(1, 2));
    }

    [Fact]
    public void One_change_at_a_time_a_second_waits_until_the_first_commits()
    {
        // Reference: Raft thesis §4.1 (a leader must not begin a new change until the previous one is committed)
        var (history, log) = SettledLeader();
        var (first, refusal) = MembershipRules.Propose(history, 2, log.TermAt, new AddLearnerChange("n4", M("n4").Address));
        Assert.Null(refusal);
        log.Append(Logs.Entries(3, 2));
        history.Appended(3, first!);

        var (second, waiting) = MembershipRules.Propose(history, 2, log.TermAt, new AddLearnerChange("n5", M("n5").Address));
        Assert.Null(second);
        Assert.Equal(MembershipRefusalReason.ChangeInProgress, waiting!.Reason);
        Assert.True(waiting.Retryable);
        Assert.Equal("a membership change is in progress: the configuration of index 3 is not committed yet (commit index 2)", waiting.Message);

        history.CommittedTo(3);
        var (next, _) = MembershipRules.Propose(history, 2, log.TermAt, new AddLearnerChange("n5", M("n5").Address));
        Assert.Equal(Of(["n1", "n2", "n3"], "n4", "n5"), next); // on top of the latest configuration, not the bootstrap
    }

    [Fact]
    public void A_new_leader_changes_nothing_until_an_entry_of_its_term_commits()
    {
        // Reference: Ongaro, raft-dev 2015, "bug in single-server membership changes" (the fix: a leader may not append
        // a new configuration entry until it has committed an entry from its current term)
        var history = new MembershipLog(C0);
        history.CommittedTo(2);
        var log = Logs.Of(1, 2); // elected in term 3: its no-op is not appended yet

        var (next, refusal) = MembershipRules.Propose(history, 3, log.TermAt, new RemoveMemberChange("n3"));
        Assert.Null(next);
        Assert.Equal(MembershipRefusalReason.TermNotCommitted, refusal!.Reason);
        Assert.True(refusal.Retryable);
        Assert.Equal("the leader has not yet committed an entry of its term 3 (commit index 2 is of term 2)", refusal.Message);

        log.Append(Logs.Entries(3, 3));
        history.CommittedTo(3);
        Assert.Equal(Of(["n1", "n2"]), MembershipRules.Propose(history, 3, log.TermAt, new RemoveMemberChange("n3")).Next);
    }

    [Theory]
    [InlineData(0L, 0L, 1L, 0L, "TermNotCommitted")]   // empty log: term 0 at index 0
    [InlineData(0L, 4L, 2L, null, "TermNotCommitted")] // term unknown: never assume it is the leader's
    [InlineData(5L, 4L, 2L, 2L, "ChangeInProgress")]
    [InlineData(5L, 4L, 3L, 2L, "ChangeInProgress")]   // both: the change in progress is named
    [InlineData(4L, 4L, 2L, 2L, null)]
    [InlineData(20L, 20L, 2L, 2L, null)]               // restored: the snapshot's term at the commit index
    public void A_leader_may_propose_only_with_its_configuration_and_an_entry_of_its_term_committed(long latestConfigurationIndex, long commitIndex, long currentTerm, long? termAtCommit, string? expected)
    {
        // Reference: Raft thesis §4.1 (one change at a time); Ongaro, raft-dev 2015 (an entry of the current term first)
        Assert.Equal(expected, MembershipRules.CanPropose(latestConfigurationIndex, commitIndex, currentTerm, termAtCommit)?.Reason.ToString());
    }

    [Fact]
    public void A_change_the_leader_may_start_is_still_refused_when_it_makes_no_sense()
    {
        // Reference: Raft thesis §4.1 (one server added or removed); the refusal is final, sending it again cannot help
        var (history, log) = SettledLeader();
        var (next, refusal) = MembershipRules.Propose(history, 2, log.TermAt, new PromoteLearnerChange("n9"));

        Assert.Null(next);
        Assert.Equal(MembershipRefusalReason.UnknownMember, refusal!.Reason);
        Assert.False(refusal.Retryable);
    }

    [Fact]
    public void Only_a_wait_for_a_commit_is_retryable()
    {
        // Reference: Raft thesis §4.1 and §6.3 (a client retries what may succeed later; the rest it must change)
        var retryable = Enum.GetValues<MembershipRefusalReason>().Where(r => new MembershipRefusal(r, "").Retryable);
        Assert.Equal([MembershipRefusalReason.ChangeInProgress, MembershipRefusalReason.TermNotCommitted], retryable);
    }

    // The single-server change bug (Ongaro, raft-dev 2015), as log states. Voters s1..s4, learners s5 and s6 (caught up).
    // Term 1: leader s1 appends D = "promote s5" at index 2, which reaches only s5. Term 2: s2 is elected by s2, s3, s4,
    // whose logs end at index 1, so s2 never saw D. If s2 may now append E = "promote s6", D and E differ by two voters
    // and their majorities {s1, s4, s5} and {s2, s3, s6} do not overlap.
    private static readonly Membership Bootstrap = Membership.Create(new[] { "s1", "s2", "s3", "s4" }.Select(M), new[] { "s5", "s6" }.Select(M));
    private static readonly Membership D = MembershipChanges.Apply(Bootstrap, 0, new PromoteLearnerChange("s5")).Next!;
    private static readonly Membership E = MembershipChanges.Apply(Bootstrap, 0, new PromoteLearnerChange("s6")).Next!;

    /// <summary>s2, leader of term 2, at each moment: its log's terms, its commit index, its latest configuration's index.</summary>
    public static TheoryData<string, long[], long, long, string?> NewLeaderMoments() => new()
    {
        { "just elected, its log as the voters' [1]", [1], 1, 0, "TermNotCommitted" },
        { "no-op of term 2 appended, on s2 only", [1, 2], 1, 0, "TermNotCommitted" },
        { "no-op on s2, s3, s4: committed", [1, 2], 2, 0, null },
        { "E appended at 3", [1, 2, 2], 2, 3, "ChangeInProgress" },
        { "E on s2, s3, s6: committed", [1, 2, 2], 3, 3, null },
    };

    [Theory]
    [MemberData(nameof(NewLeaderMoments))]
    public void A_new_leader_that_never_saw_an_older_uncommitted_change_still_waits_for_its_own_term(string moment, long[] s2Log, long commitIndex, long latestConfigurationIndex, string? expected)
    {
        // Reference: Ongaro, raft-dev 2015, "bug in single-server membership changes": the one-at-a-time rule alone does
        // not see D (s2's own log holds no uncommitted configuration); the rule "commit an entry of your term first" does
        var log = Logs.Of(s2Log);
        var refusal = MembershipRules.CanPropose(latestConfigurationIndex, commitIndex, 2, log.TermAt(commitIndex));
        Assert.True(expected == refusal?.Reason.ToString(), $"{moment}: expected {expected ?? "accepted"}, got {refusal?.ToString() ?? "accepted"}");
    }

    public static TheoryData<string, Dictionary<string, long[]>, bool> ElectionInTerm3() => new()
    {
        // Without the rule: s2 appended E at index 2 at once and committed it on s2, s3, s6 (3 of E's 5 voters).
        {
            "E committed without an entry of term 2 first",
            new() { ["s1"] = [1, 1], ["s2"] = [1, 2], ["s3"] = [1, 2], ["s4"] = [1], ["s5"] = [1, 1], ["s6"] = [1, 2] },
            true
        },
        // With the rule: s2's no-op (index 2, term 2) committed on s2, s3, s4 before E (index 3) committed on s2, s3, s6.
        {
            "no-op of term 2 committed before E",
            new() { ["s1"] = [1, 1], ["s2"] = [1, 2, 2], ["s3"] = [1, 2, 2], ["s4"] = [1, 2], ["s5"] = [1, 1], ["s6"] = [1, 2, 2] },
            false
        },
    };

    [Theory]
    [MemberData(nameof(ElectionInTerm3))]
    public void After_a_committed_change_the_older_leader_under_its_uncommitted_configuration_cannot_win(string history, Dictionary<string, long[]> logs, bool s1Wins)
    {
        // Reference: Ongaro, raft-dev 2015, "bug in single-server membership changes": without the rule s1, under D,
        // wins term 3 with s1, s4, s5 and would overwrite the committed E; with it, s4 holds an entry of term 2 and
        // refuses s1 (Raft §5.4.1), so committed entries survive

        // s2's match with each server: the common prefix of their logs (Raft §5.3, Log Matching).
        var leader = logs["s2"];
        long MatchOf(string id) => logs[id].Zip(leader).TakeWhile(p => p.Item1 == p.Item2).Count();
        var e = (long)leader.Length;
        Assert.True(VoterQuorum.MajorityMatched(E, "s2", leader.Length, MatchOf) >= e, $"{history}: E is committed under E");

        var s1 = Logs.Of(logs["s1"]);
        var campaign = new RequestVote("c", "s1", 3, s1.LastIndex, s1.LastTerm);
        var tally = new VoterTally(D); // s1's latest configuration: D, appended in term 1
        tally.Record("s1", true);
        foreach (var (id, terms) in logs.Where(kv => kv.Key != "s1"))
            tally.Record(id, VoteRules.Decide(null, Logs.Of(terms), campaign) == VoteDecision.GrantAfterRecording);

        Assert.True(s1Wins == tally.Won, $"{history}: s1 {(tally.Won ? "won" : "lost")} the election of term 3");
        if (s1Wins) Assert.NotEqual(leader[e - 1], s1.TermAt(e)); // and its log contradicts committed E
    }
}
