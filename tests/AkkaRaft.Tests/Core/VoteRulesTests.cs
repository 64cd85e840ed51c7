using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;

namespace AkkaRaft.Tests.Core;

/// <summary>Figure 2's RequestVote receiver as a plain rule.</summary>
public sealed class VoteRulesTests
{
    private static readonly RaftLog LogEndingAt2Term2 = LogOf(1, 2);

    private static RaftLog LogOf(params long[] terms)
    {
        var log = new RaftLog();
        log.Append(terms.Select((t, i) => new LogEntry(i + 1, t, [])));
        return log;
    }

    private static RequestVote Vote(string from, long lastIndex, long lastTerm) => new("c", from, 3, lastIndex, lastTerm);

    [Fact]
    public void A_vote_is_granted_once_per_term_and_recorded_first()
    {
        // Reference: Raft paper §5.2, Figure 2 (votedFor is null or candidateId; persistent before responding)
        Assert.Equal(VoteDecision.GrantAfterRecording, VoteRules.Decide(null, LogEndingAt2Term2, Vote("n2", 2, 2)));
        Assert.Equal(VoteDecision.GrantAgain, VoteRules.Decide("n2", LogEndingAt2Term2, Vote("n2", 2, 2)));
        Assert.Equal(VoteDecision.RefuseVotedForAnother, VoteRules.Decide("n3", LogEndingAt2Term2, Vote("n2", 2, 2)));
    }

    [Theory]
    [InlineData(5, 1, false)] // older last term, however long
    [InlineData(1, 2, false)] // same last term, shorter
    [InlineData(2, 2, true)]  // as up-to-date
    [InlineData(1, 3, true)]  // newer last term, however short
    public void Only_a_candidate_at_least_as_up_to_date_gets_the_vote(long lastIndex, long lastTerm, bool granted)
    {
        // Reference: Raft paper §5.4.1 (compare last terms, then lengths)
        var expected = granted ? VoteDecision.GrantAfterRecording : VoteDecision.RefuseLogBehind;
        Assert.Equal(expected, VoteRules.Decide(null, LogEndingAt2Term2, Vote("n2", lastIndex, lastTerm)));
    }
}
