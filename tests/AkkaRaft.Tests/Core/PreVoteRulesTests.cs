using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;

namespace AkkaRaft.Tests.Core;

/// <summary>
/// Pre-vote as plain rules (<see cref="PreVoteRules"/>): who grants, what the answer carries, what a pre-candidate sends,
/// and that nothing of it is written. Peer n1, pre-candidates n2 and n3.
/// </summary>
public sealed class PreVoteRulesTests
{
    private const string ClusterId = "c";

    private static PeerView Peer(long term, string? votedFor, RaftLog log) => new(ClusterId, "n1", term, votedFor, log, 0);

    private static PreVote Ask(long term, long lastIndex, long lastTerm) => new(ClusterId, "n2", term, lastIndex, lastTerm);

    /// <summary>Receiver's term, vote and log terms; the request's term and last log position; whether it is granted.</summary>
    public static TheoryData<long, string?, long[], long, long, long, bool> Cases() => new()
    {
        // A newer term and a log as up-to-date: granted, whomever the receiver voted for in its own term.
        { 2, null, [1, 2], 3, 2, 2, true },
        { 2, "n3", [1, 2], 3, 2, 2, true },
        { 2, "n1", [1, 2], 3, 2, 2, true },
        // A longer log of the same last term, or a later last term: granted (§5.4.1).
        { 2, "n3", [1, 2], 3, 5, 2, true },
        { 2, "n3", [1, 1, 1], 3, 1, 2, true },
        // A log behind: refused (§5.4.1).
        { 2, null, [1, 2], 3, 1, 1, false },
        { 2, null, [1, 2, 2], 3, 2, 2, false },
        // Not a newer term than the receiver's: refused, as the real vote in that term would be.
        { 3, null, [1, 2], 3, 2, 2, false },
        { 5, null, [1, 2], 3, 2, 2, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_pre_vote_is_granted_for_a_newer_term_and_a_log_at_least_as_up_to_date(long term, string? votedFor, long[] log, long askTerm, long lastIndex, long lastTerm, bool granted)
    {
        // Reference: Raft thesis §9.6 (pre-vote), Raft paper §5.4.1 (election restriction)
        var step = PreVoteRules.Answer(Peer(term, votedFor, Logs.Of(log)), Ask(askTerm, lastIndex, lastTerm), out var decided);

        Assert.Equal(granted, decided);
        // No write, no timer reset: a pre-vote changes nothing durable and does not hold off the receiver's election.
        Assert.Empty(step.Events);
        Assert.Equal(StepWrite.None, step.Write);
        Assert.False(step.ResetElectionTimer);
        Assert.Null(step.Role);
        // A grant echoes the requested term; a refusal carries the receiver's term, so a stale requester learns it.
        Assert.Equal(("n2", (IRaftMessage?)new PreVoteResult(ClusterId, "n1", granted ? askTerm : term, granted)), (step.To, step.Message));
    }

    [Fact]
    public void A_pre_candidate_asks_for_the_next_term_with_its_last_log_position_and_writes_nothing()
    {
        // Reference: Raft thesis §9.6: a pre-candidate changes neither its term nor its vote
        var step = PreVoteRules.Campaign(Peer(4, "n3", Logs.Of(1, 4, 4)));

        Assert.Empty(step.Events);
        Assert.Equal(StepWrite.None, step.Write);
        Assert.Equal(RaftRole.PreCandidate, step.Role);
        Assert.Null(step.To);
        Assert.Equal(new PreVote(ClusterId, "n1", 5, 3, 4), step.Message);
    }

    [Fact]
    public void A_peer_at_the_term_bound_does_not_pre_campaign()
    {
        // Reference: Raft paper §5.1: terms only grow, and the next one must exist
        var step = PreVoteRules.Campaign(Peer(WireChecks.MaxTermOrIndex - 1, null, Logs.Of()));

        Assert.NotNull(step.Problem);
        Assert.Null(step.Message);
        Assert.True(step.ResetElectionTimer);
    }

    /// <summary>The peer's term and whether it is a pre-candidate; the answer's term and grant; what the peer does.</summary>
    public static TheoryData<long, bool, long, bool, string> Results() => new()
    {
        { 4, true, 5, true, nameof(PreVoteResultAction.Count) },      // a grant of this round
        { 4, true, 4, false, nameof(PreVoteResultAction.Count) },     // a refusal at our term (the voter's log is ahead)
        { 4, true, 3, false, nameof(PreVoteResultAction.Count) },     // a refusal from a voter behind us
        { 4, true, 7, false, nameof(PreVoteResultAction.StepDown) },  // a refusal carrying a newer term: the requester was stale
        { 4, false, 7, false, nameof(PreVoteResultAction.StepDown) }, // whatever the role
        { 4, true, 7, true, nameof(PreVoteResultAction.Ignore) },     // a grant never raises a term, nor counts for another round
        { 4, false, 5, true, nameof(PreVoteResultAction.Ignore) },    // a round given up
    };

    [Theory]
    [MemberData(nameof(Results))]
    public void A_pre_vote_answer_is_counted_only_by_a_pre_candidate_and_a_newer_term_only_comes_with_a_refusal(long term, bool preCandidate, long answerTerm, bool granted, string expected)
    {
        // Reference: Raft thesis §9.6; Raft paper §5.1 (a newer term seen in any message is adopted)
        Assert.Equal(Enum.Parse<PreVoteResultAction>(expected), PreVoteRules.OnResult(term, preCandidate, new PreVoteResult(ClusterId, "n2", answerTerm, granted)));
    }
}
