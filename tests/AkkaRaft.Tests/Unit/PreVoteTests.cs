using Akka.Actor;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// Pre-vote at one peer (n1) on virtual time, the probes n2 and n3 playing the other peers: the pre-candidate changes
/// neither term nor vote, campaigns only with a majority of pre-votes, and a pre-vote request changes nothing at the
/// receiver (Raft thesis §9.6).
/// </summary>
public sealed class PreVoteTests : VirtualTimePeerTest
{
    public PreVoteTests(ITestOutputHelper output) : base(output) { }

    private static PreVote PreVoteOf(string from, long term, long lastLogIndex = 0, long lastLogTerm = 0) => new(ClusterId, from, term, lastLogIndex, lastLogTerm);

    private static PreVoteResult PreVoteAnswer(string from, long term, bool granted) => new(ClusterId, from, term, granted);

    /// <summary>n1 follows n2 at term 1, then times out into a pre-candidate; both probes hold its PreVote for term 2.</summary>
    private async Task<IActorRef> PreCandidateAtTerm1Async(bool checkQuorum = false)
    {
        var peer = await StartPeerAsync(settings: Settings(preVote: true, checkQuorum: checkQuorum));
        peer.Tell(Heartbeat("n2", 1), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>(r => r.Term == 1 && r.Success);
        Advance(ElectionTimeout);
        P2.ExpectMsg(PreVoteOf("n1", 2));
        P3.ExpectMsg(PreVoteOf("n1", 2));
        return peer;
    }

    [Fact]
    public async Task A_pre_candidate_keeps_its_term_and_vote_and_forgets_its_leader()
    {
        // Reference: Raft thesis §9.6; a pre-candidate that kept its leader would refuse other pre-candidates forever
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(RaftRoleChanged));
        var peer = await PreCandidateAtTerm1Async();

        var state = await StateOf(peer);
        Assert.Equal((RaftRole.PreCandidate, 1L, (string?)null), (state.Role, state.Term, state.LeaderId));
        events.FishForMessage<RaftRoleChanged>(e => e.Role == RaftRole.PreCandidate && e.Term == 1 && e.LeaderId is null);
        P2.ExpectNoMsg(Quiet); // no RequestVote without pre-votes
    }

    [Fact]
    public async Task A_pre_candidate_campaigns_only_once_a_majority_would_vote_for_it()
    {
        // Reference: Raft thesis §9.6 (a majority, itself included, before it increments its term), §5.2
        var peer = await PreCandidateAtTerm1Async();

        peer.Tell(PreVoteAnswer("n2", 1, false));
        P3.ExpectNoMsg(Quiet);
        Assert.Equal((RaftRole.PreCandidate, 1L), ((await StateOf(peer)).Role, (await StateOf(peer)).Term));

        peer.Tell(PreVoteAnswer("n3", 2, true));
        P2.ExpectMsg(VoteRequest("n1", 2));
        P3.ExpectMsg(VoteRequest("n1", 2));
        Assert.Equal((RaftRole.Candidate, 2L), ((await StateOf(peer)).Role, (await StateOf(peer)).Term));
    }

    [Fact]
    public async Task A_new_election_timeout_as_pre_candidate_starts_a_new_round_at_the_same_term()
    {
        // Reference: Raft thesis §9.6
        var peer = await PreCandidateAtTerm1Async();

        Advance(ElectionTimeout);

        P2.ExpectMsg(PreVoteOf("n1", 2));
        P3.ExpectMsg(PreVoteOf("n1", 2));
        Assert.Equal((RaftRole.PreCandidate, 1L), ((await StateOf(peer)).Role, (await StateOf(peer)).Term));
    }

    public static TheoryData<long> LeaderTerms() => new() { 1, 3 };

    [Theory]
    [MemberData(nameof(LeaderTerms))]
    public async Task A_pre_candidate_follows_a_leader_of_its_term_or_a_newer_one(long leaderTerm)
    {
        // Reference: Raft thesis §9.6, Raft paper §5.2 (a candidate that hears from a legitimate leader returns to follower)
        var peer = await PreCandidateAtTerm1Async();

        peer.Tell(Heartbeat("n3", leaderTerm), P3.Ref);

        P3.ExpectMsg<AppendEntriesResult>(r => r.Term == leaderTerm && r.Success);
        var state = await StateOf(peer);
        Assert.Equal((RaftRole.Follower, leaderTerm, "n3"), (state.Role, state.Term, state.LeaderId));
    }

    [Fact]
    public async Task A_pre_candidate_refused_with_a_newer_term_adopts_it_and_asks_again_from_there()
    {
        // Reference: Raft thesis §9.6, Raft paper §5.1: a peer with a stale term catches up from a refusal, which is how
        // it joins a cluster whose other peers campaigned without pre-vote
        var peer = await PreCandidateAtTerm1Async();

        peer.Tell(PreVoteAnswer("n3", 7, false));

        var state = await StateOf(peer);
        Assert.Equal((RaftRole.Follower, 7L, (string?)null), (state.Role, state.Term, state.LeaderId));
        Advance(ElectionTimeout);
        P2.FishForMessage<PreVote>(pv => pv.Term == 8);
    }

    [Fact]
    public async Task A_pre_candidate_asked_for_its_vote_in_its_own_term_ends_its_round_and_answers_as_a_follower()
    {
        // Reference: Raft thesis §9.6, Raft paper Figure 2 (RequestVote receiver): a candidate of this term is already
        // campaigning; a pre-candidate that granted it and went on to campaign itself would disrupt that election
        var peer = await PreCandidateAtTerm1Async();

        peer.Tell(VoteRequest("n3", 1), P3.Ref);
        P3.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 1, true));
        peer.Tell(PreVoteAnswer("n2", 2, true)); // a late grant of the round it gave up

        P2.ExpectNoMsg(Quiet);
        Assert.Equal((RaftRole.Follower, 1L), ((await StateOf(peer)).Role, (await StateOf(peer)).Term));
    }

    [Fact]
    public async Task A_peer_with_pre_vote_answers_a_candidate_that_campaigns_without_it()
    {
        // Reference: Raft paper Figure 2 (RequestVote receiver); clusters mixing pre-vote on and off still elect
        var peer = await StartPeerAsync(settings: Settings(preVote: true));

        peer.Tell(VoteRequest("n2", 3), P2.Ref);

        P2.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 3, true));
    }

    [Fact]
    public async Task A_pre_vote_request_neither_restarts_the_election_timer_nor_changes_term_or_vote()
    {
        // Reference: Raft thesis §9.6: only a real vote restarts the timer (Figure 2, Followers) and records a vote
        var peer = await StartPeerAsync(settings: Settings(preVote: true));
        peer.Tell(VoteRequest("n3", 1), P3.Ref); // votes for n3 at term 1, which restarts its timer
        P3.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 1, true));
        Advance(ElectionTimeout - TimeSpan.FromMilliseconds(10));

        peer.Tell(PreVoteOf("n2", 2), P2.Ref);
        P2.ExpectMsg(PreVoteAnswer("n1", 2, true)); // granted though it voted for n3: it is for the next term
        Assert.Equal(1L, (await StateOf(peer)).Term);
        peer.Tell(VoteRequest("n2", 1), P2.Ref);
        P2.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 1, false)); // its vote in term 1 is still n3's

        Advance(TimeSpan.FromMilliseconds(10)); // the timer set by the vote, not by the pre-vote
        P3.FishForMessage<PreVote>(pv => pv.Term == 2 && pv.From == "n1");
    }

    [Fact]
    public async Task A_stale_pre_vote_is_refused_with_the_receivers_term()
    {
        // Reference: Raft thesis §9.6: an explicit refusal carries the newer term, or mixed clusters can stall
        var peer = await StartPeerAsync(settings: Settings(preVote: true));
        peer.Tell(Heartbeat("n3", 4), P3.Ref);
        P3.ExpectMsg<AppendEntriesResult>();

        peer.Tell(PreVoteOf("n2", 3), P2.Ref);

        P2.ExpectMsg(PreVoteAnswer("n1", 4, false));
    }

    [Fact]
    public async Task A_split_vote_after_pre_votes_resolves_in_the_next_round()
    {
        // Reference: Raft thesis §9.6 and §5.2: two pre-candidates can both win their pre-votes and split the real vote;
        // the next round asks for a newer term, which the other candidate grants though it voted for itself
        var peer = await StartPeerAsync(settings: Settings(preVote: true));
        Advance(ElectionTimeout);
        P2.ExpectMsg(PreVoteOf("n1", 1));
        P3.ExpectMsg(PreVoteOf("n1", 1));
        peer.Tell(PreVoteOf("n2", 1), P2.Ref); // n2 timed out at the same moment
        P2.ExpectMsg(PreVoteAnswer("n1", 1, true));

        peer.Tell(PreVoteAnswer("n2", 1, true)); // both win their pre-votes and campaign at term 1
        P2.ExpectMsg(VoteRequest("n1", 1));
        P3.ExpectMsg(VoteRequest("n1", 1));
        peer.Tell(VoteRequest("n2", 1), P2.Ref);
        P2.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 1, false)); // each voted for itself: a split vote
        peer.Tell(new RequestVoteResult(ClusterId, "n2", 1, false));

        Advance(ElectionTimeout); // the candidate's timeout starts another pre-vote round, for term 2
        P2.ExpectMsg(PreVoteOf("n1", 2));
        P3.ExpectMsg(PreVoteOf("n1", 2));
        Assert.Equal((RaftRole.PreCandidate, 1L), ((await StateOf(peer)).Role, (await StateOf(peer)).Term));
        peer.Tell(PreVoteAnswer("n2", 2, true)); // n2, a candidate of term 1, grants a pre-vote for term 2
        P2.ExpectMsg(VoteRequest("n1", 2));
        peer.Tell(new RequestVoteResult(ClusterId, "n2", 2, true));
        P2.FishForMessage<AppendEntries>(ae => ae.Term == 2);
        Assert.Equal((RaftRole.Leader, 2L), ((await StateOf(peer)).Role, (await StateOf(peer)).Term));
    }

    /// <summary>n1 wins its pre-votes, campaigns at term 2 and hears no answer before its election timer runs out <paramref name="timeouts"/> times.</summary>
    private async Task<IActorRef> ElectionTimedOutAtTerm2Async(int timeouts)
    {
        var peer = await PreCandidateAtTerm1Async();
        peer.Tell(PreVoteAnswer("n2", 2, true));
        P2.ExpectMsg(VoteRequest("n1", 2));
        P3.ExpectMsg(VoteRequest("n1", 2));
        for (var i = 0; i < timeouts; i++)
        {
            Advance(ElectionTimeout);
            P2.ExpectMsg(PreVoteOf("n1", 3));
            P3.ExpectMsg(PreVoteOf("n1", 3));
        }
        Assert.Equal((RaftRole.PreCandidate, 2L), ((await StateOf(peer)).Role, (await StateOf(peer)).Term));
        return peer;
    }

    public static TheoryData<int> Timeouts() => new() { 1, 2 };

    [Theory]
    [MemberData(nameof(Timeouts))]
    public async Task A_late_grant_of_the_election_it_timed_out_of_makes_it_leader_of_that_term(int timeouts)
    {
        // Reference: Raft paper §5.2 (a candidate wins with votes from a majority in the same term; each server votes
        // once per term). Under long message delays, answers that come after the timer would otherwise always be wasted.
        var peer = await ElectionTimedOutAtTerm2Async(timeouts);

        peer.Tell(new RequestVoteResult(ClusterId, "n2", 2, true));

        P2.FishForMessage<AppendEntries>(ae => ae.Term == 2);
        P3.FishForMessage<AppendEntries>(ae => ae.Term == 2);
        Assert.Equal((RaftRole.Leader, 2L), ((await StateOf(peer)).Role, (await StateOf(peer)).Term));
    }

    [Fact]
    public async Task A_late_refusal_of_the_election_it_timed_out_of_changes_nothing()
    {
        // Reference: Raft paper §5.2: only grants from a majority elect
        var peer = await ElectionTimedOutAtTerm2Async(1);

        peer.Tell(new RequestVoteResult(ClusterId, "n2", 2, false));
        peer.Tell(new RequestVoteResult(ClusterId, "n2", 2, true)); // a voter's first answer is the one that counts

        P2.ExpectNoMsg(Quiet);
        Assert.Equal((RaftRole.PreCandidate, 2L), ((await StateOf(peer)).Role, (await StateOf(peer)).Term));
    }

    [Fact]
    public async Task A_late_grant_is_not_counted_once_the_peer_has_been_a_follower_in_between()
    {
        // Reference: Raft paper §5.2; a peer that stepped down to follower gave up that election, whatever comes later
        var peer = await ElectionTimedOutAtTerm2Async(1);
        peer.Tell(VoteRequest("n3", 2), P3.Ref); // a rival candidate of term 2 ends the round; n1 voted for itself
        P3.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 2, false));
        Advance(ElectionTimeout);
        P2.ExpectMsg(PreVoteOf("n1", 3));

        peer.Tell(new RequestVoteResult(ClusterId, "n2", 2, true));

        P2.ExpectNoMsg(Quiet);
        Assert.Equal((RaftRole.PreCandidate, 2L), ((await StateOf(peer)).Role, (await StateOf(peer)).Term));
    }
}
