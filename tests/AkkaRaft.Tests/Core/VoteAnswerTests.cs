using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Persistence;

namespace AkkaRaft.Tests.Core;

/// <summary>
/// The RequestVote answer and the start of an election as plain rules (<see cref="VoteRules.Answer"/>,
/// <see cref="VoteRules.Campaign"/>): what is written before anything is sent. Peer n1, candidates n2 and n3.
/// </summary>
public sealed class VoteAnswerTests
{
    private const string ClusterId = "c";

    private static RaftLog Log(params long[] terms) => Logs.Of(terms);

    private static PeerView Peer(long term, string? votedFor, RaftLog? log = null) => new(ClusterId, "n1", term, votedFor, log ?? Log(), 0);

    private static RequestVote Vote(string from, long term, long lastIndex = 0, long lastTerm = 0) => new(ClusterId, from, term, lastIndex, lastTerm);

    private static RequestVoteResult Answer(long term, bool granted) => new(ClusterId, "n1", term, granted);

    [Fact]
    public void A_new_vote_is_a_holding_write_of_term_and_candidate_then_the_grant_and_a_timer_reset()
    {
        // Reference: Raft paper Figure 2 (votedFor is persistent: on stable storage before responding; Followers: a
        // granted vote holds off an election), §5.2
        var step = VoteRules.Answer(Peer(1, null), Vote("n2", 1), out var decision);

        Assert.Equal(VoteDecision.GrantAfterRecording, decision);
        Assert.Equal(StepWrite.Holding, step.Write);
        Assert.Equal(new HardStateChanged(1, "n2"), Assert.Single(step.Events));
        Assert.Equal(("n2", (IRaftMessage?)Answer(1, true)), (step.To, step.Message));
        Assert.True(step.ResetElectionTimer);
    }

    [Fact]
    public void A_vote_already_recorded_for_the_candidate_is_granted_again_without_a_write()
    {
        // Reference: Raft paper Figure 2 (votedFor is null or candidateId): a retransmitted request gets the same answer
        var step = VoteRules.Answer(Peer(1, "n2"), Vote("n2", 1), out _);

        Assert.Empty(step.Events);
        Assert.Equal(StepWrite.None, step.Write);
        Assert.Equal(Answer(1, true), step.Message);
        Assert.True(step.ResetElectionTimer);
    }

    [Fact]
    public void A_second_candidate_in_the_term_is_refused_and_nothing_is_written()
    {
        // Reference: Raft paper §5.2 (each server votes for at most one candidate in a given term)
        var step = VoteRules.Answer(Peer(1, "n2"), Vote("n3", 1), out var decision);

        Assert.Equal(VoteDecision.RefuseVotedForAnother, decision);
        Assert.Equal(("n3", (IRaftMessage?)Answer(1, false)), (step.To, step.Message));
        Assert.Empty(step.Events);
        Assert.False(step.ResetElectionTimer);
    }

    [Theory]
    [InlineData(5, 1)] // an older last term, however long
    [InlineData(1, 2)] // the same last term, but shorter
    public void A_candidate_whose_log_is_behind_is_refused_and_no_vote_is_recorded(long lastIndex, long lastTerm)
    {
        // Reference: Raft paper §5.4.1 (compare last terms, then lengths)
        var peer = Peer(3, null, Log(1, 2));

        var refused = VoteRules.Answer(peer, Vote("n3", 3, lastIndex, lastTerm), out _);

        Assert.Equal(Answer(3, false), refused.Message);
        Assert.Empty(refused.Events);
        Assert.False(refused.ResetElectionTimer);
        // The refusal was for the log alone: a candidate as up-to-date gets the vote of the same term.
        var granted = VoteRules.Answer(peer, Vote("n2", 3, 2, 2), out _);
        Assert.Equal(Answer(3, true), granted.Message);
    }

    [Fact]
    public void An_election_is_a_holding_write_of_the_next_term_and_a_vote_for_itself_then_requests_to_every_peer()
    {
        // Reference: Raft paper §5.2 (increment currentTerm, vote for self, send RequestVote to all other servers),
        // §5.4.1 (the request carries the last log index and term), Figure 2 (persistent before sending)
        var step = VoteRules.Campaign(Peer(4, "n2", Log(1, 3)));

        Assert.Equal(StepWrite.Holding, step.Write);
        Assert.Equal(new HardStateChanged(5, "n1"), Assert.Single(step.Events));
        Assert.Equal(RaftRole.Candidate, step.Role);
        Assert.Null(step.To); // every other member
        Assert.Equal(new RequestVote(ClusterId, "n1", 5, 2, 3), step.Message);
    }

    [Fact]
    public void No_election_starts_past_the_bound_of_terms()
    {
        // Reference: Raft paper §5.1 (terms only increase; no peer would accept one past the bound)
        var step = VoteRules.Campaign(Peer(WireChecks.MaxTermOrIndex - 1, null));

        Assert.NotNull(step.Problem);
        Assert.Empty(step.Events);
        Assert.Null(step.Message);
        Assert.Null(step.Role);
        Assert.True(step.ResetElectionTimer); // it tries again after another timeout
    }
}
