using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>Leadership transfer (Raft thesis §3.10), on one peer driven by probes on virtual time.</summary>
public sealed class LeadershipTransferRulesTests : VirtualTimePeerTest
{
    public LeadershipTransferRulesTests(ITestOutputHelper output) : base(output) { }

    private static readonly byte[] SomeCommand = [42];

    /// <summary>n1 leads term 1 with entries 1 and 2, which n3 holds and n2 has not acknowledged.</summary>
    private async Task<IActorRef> LeaderWithSlowN2Async()
    {
        var leader = await StartLeaderAsync();
        var client = CreateTestProbe();
        leader.Tell(new Propose(SomeCommand), client.Ref);
        leader.Tell(new Propose(SomeCommand), client.Ref);
        client.ExpectMsg<ProposeAccepted>();
        client.ExpectMsg<ProposeAccepted>();
        var toN3 = P3.FishForMessage<AppendEntries>(ae => ae.LastIndex == 2, Quiet * 10);
        P2.FishForMessage<AppendEntries>(ae => ae.LastIndex == 2, Quiet * 10);
        leader.Tell(new AppendEntriesResult(ClusterId, "n3", 1, true, 2, 0, 0, 0) { Round = toN3.Round }, P3.Ref);
        return leader;
    }

    private TimeoutNow? TimeoutNowTo(TestProbe follower, TimeSpan within)
    {
        TimeoutNow? found = null;
        follower.ReceiveWhile(within, m => m is TimeoutNow t ? found = t : m);
        return found;
    }

    [Fact]
    public async Task Transfer_to_an_up_to_date_voter_tells_it_to_campaign_at_once()
    {
        // Reference: Raft thesis §3.10 (once the target is up to date, the leader sends it a TimeoutNow request)
        var leader = await StartLeaderAsync();

        leader.Tell(new TransferLeadership("n2"), TestActor);

        ExpectMsg(new TransferLeadershipStarted("n1", "n2"));
        Assert.Equal(new TimeoutNow(ClusterId, "n1", 1), TimeoutNowTo(P2, Quiet));
        Assert.Null(TimeoutNowTo(P3, Quiet));
    }

    [Fact]
    public async Task Transfer_to_a_slow_voter_waits_until_its_log_matches_the_leaders()
    {
        // Reference: Raft thesis §3.10 (the leader first brings the target's log up to date)
        var leader = await LeaderWithSlowN2Async();

        leader.Tell(new TransferLeadership("n2"), TestActor);
        ExpectMsg(new TransferLeadershipStarted("n1", "n2"));
        Assert.Null(TimeoutNowTo(P2, Quiet));

        leader.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 1, 0, 0, 0), P2.Ref);
        Assert.Null(TimeoutNowTo(P2, Quiet)); // index 1 of 2 is not up to date
        leader.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 2, 0, 0, 0), P2.Ref);
        Assert.NotNull(TimeoutNowTo(P2, Quiet));
    }

    [Fact]
    public async Task Without_a_target_the_most_up_to_date_voter_is_chosen()
    {
        // Reference: Raft thesis §3.10 (the target should be a server with an up-to-date log)
        var leader = await LeaderWithSlowN2Async();

        leader.Tell(new TransferLeadership(), TestActor);

        ExpectMsg(new TransferLeadershipStarted("n1", "n3"));
        Assert.NotNull(TimeoutNowTo(P3, Quiet));
    }

    [Fact]
    public async Task Proposals_are_refused_while_leadership_is_being_handed_over()
    {
        // Reference: Raft thesis §3.10 (the leader stops accepting client requests during the transfer)
        var leader = await LeaderWithSlowN2Async();
        leader.Tell(new TransferLeadership("n2"), TestActor);
        ExpectMsg<TransferLeadershipStarted>();

        var proposal = new Propose([7]);
        leader.Tell(proposal, TestActor);

        ExpectMsg(new TransferInProgress("n1", "n2", proposal));
        Assert.Equal(2, (await StateOf(leader)).LastLogIndex);
    }

    [Fact]
    public async Task A_transfer_not_done_within_an_election_timeout_is_abandoned()
    {
        // Reference: Raft thesis §3.10 (abort the transfer after an election timeout; resume accepting requests)
        var leader = await LeaderWithSlowN2Async();
        leader.Tell(new TransferLeadership("n2"), TestActor);
        ExpectMsg<TransferLeadershipStarted>();

        Advance(ElectionTimeout);
        leader.Tell(new Propose([7]), TestActor);

        ExpectMsg<ProposeAccepted>(a => a.Index == 3);
        leader.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 2, 0, 0, 0), P2.Ref);
        Assert.Null(TimeoutNowTo(P2, Quiet)); // n2 caught up after the attempt ended: no campaign
    }

    [Fact]
    public async Task A_second_transfer_to_the_same_voter_keeps_the_first_deadline()
    {
        // Reference: Raft thesis §3.10 (one transfer at a time, bounded by an election timeout)
        var leader = await LeaderWithSlowN2Async();
        leader.Tell(new TransferLeadership("n2"), TestActor);
        ExpectMsg<TransferLeadershipStarted>();
        Advance(ElectionTimeout / 2);

        leader.Tell(new TransferLeadership("n2"), TestActor);
        ExpectMsg(new TransferLeadershipStarted("n1", "n2"));
        Advance(ElectionTimeout / 2);

        leader.Tell(new Propose([7]), TestActor);
        ExpectMsg<ProposeAccepted>(); // abandoned at the first request's deadline
    }

    [Theory]
    [InlineData("n1", "n1 is already the leader")]
    [InlineData("n9", "'n9' is not a voter")]
    public async Task Transfer_to_the_leader_itself_or_to_a_stranger_is_refused(string target, string reason)
    {
        // Reference: Raft thesis §3.10 (the target must be another voting member)
        var leader = await StartLeaderAsync();

        leader.Tell(new TransferLeadership(target), TestActor);

        var refused = ExpectMsg<TransferLeadershipRefused>();
        Assert.StartsWith(reason, refused.Reason);
        leader.Tell(new Propose([7]), TestActor);
        ExpectMsg<ProposeAccepted>(); // nothing is under way
    }

    [Fact]
    public async Task A_follower_answers_a_transfer_request_with_the_leader_it_knows()
    {
        var peer = await StartPeerAsync();
        peer.Tell(Heartbeat("n2", term: 1), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>();

        peer.Tell(new TransferLeadership("n3"), TestActor);

        ExpectMsg(new NotLeader("n1", "n2"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_candidate_or_pre_candidate_answers_a_transfer_request_knowing_no_leader(bool preVote)
    {
        var peer = await StartPeerAsync(settings: Settings(preVote: preVote));
        Advance(ElectionTimeout);
        Assert.Equal(preVote ? RaftRole.PreCandidate : RaftRole.Candidate, (await StateOf(peer)).Role);

        peer.Tell(new TransferLeadership("n2"), TestActor);

        ExpectMsg(new NotLeader("n1", null));
    }

    [Fact]
    public async Task A_follower_told_to_time_out_now_campaigns_at_once_saying_it_was_handed_leadership()
    {
        // Reference: Raft thesis §3.10 (on TimeoutNow the target starts an election immediately)
        var peer = await StartPeerAsync();
        peer.Tell(Heartbeat("n2", term: 1), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>();

        peer.Tell(new TimeoutNow(ClusterId, "n2", 1), P2.Ref);

        var request = P3.ExpectMsg<RequestVote>(Quiet * 5); // no election timeout has passed
        Assert.Equal((2L, true), (request.Term, request.Transfer));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Only_a_campaign_by_transfer_gets_past_the_vote_lease(bool transfer)
    {
        // Reference: Raft thesis §3.10 and §4.2.3 (a server that heard from a leader within the minimum election timeout
        // disregards vote requests, unless the leader itself asked for the election)
        var peer = await StartPeerAsync(settings: Settings(checkQuorum: true));
        peer.Tell(Heartbeat("n2", term: 1), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>();

        peer.Tell(VoteRequest("n3", term: 2) with { Transfer = transfer }, P3.Ref);

        if (transfer) P3.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 2, true));
        else P3.ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task A_stale_time_out_now_starts_no_election()
    {
        // Reference: Raft paper §5.1 (a message of an older term is stale); thesis §3.10
        var peer = await StartPeerAsync();
        peer.Tell(Heartbeat("n2", term: 2), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>();

        peer.Tell(new TimeoutNow(ClusterId, "n3", 1), P3.Ref);

        P3.ExpectNoMsg(Quiet);
        Assert.Equal((RaftRole.Follower, 2L), ((await StateOf(peer)).Role, (await StateOf(peer)).Term));
    }
}
