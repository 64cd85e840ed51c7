using Akka.Actor;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// Check-quorum and the vote lease at one peer (n1) on virtual time, the probes n2 and n3 playing the other peers
/// (Raft thesis §6.2 and §9.6).
/// </summary>
public sealed class CheckQuorumTests : VirtualTimePeerTest
{
    public CheckQuorumTests(ITestOutputHelper output) : base(output) { }

    /// <summary>A Random whose election timeouts are always the maximum, so the lease (the minimum) ends first.</summary>
    private sealed class Slowest : Random
    {
        public override double NextDouble() => 0.999;
    }

    private static readonly TimeSpan LongTimeout = ElectionTimeout * 2;

    private static AppendEntriesResult Ack(string from, long term) => new(ClusterId, from, term, true, 0, 0, 0, 0);

    [Fact]
    public async Task A_leader_that_hears_from_no_majority_steps_down_and_rejects_pending_reads()
    {
        // Reference: Raft thesis §6.2 (a leader steps down if an election timeout passes without a successful round of
        // heartbeats to a majority), §6.4 (a read must not be served by a leader that may be deposed)
        var leader = await StartLeaderAsync(settings: Settings(checkQuorum: true));
        leader.Tell(Ack("n2", 1));
        Advance(ElectionTimeout); // first check: n2 answered, 2 of 3
        Assert.Equal(RaftRole.Leader, (await StateOf(leader)).Role);
        leader.Tell(new ReadIndex(7), TestActor); // waits for an entry of term 1 to commit, which needs a follower

        Advance(ElectionTimeout); // second check: nobody answered since the first

        ExpectMsg(new ReadIndexRejected(7, "n1", null));
        var state = await StateOf(leader);
        Assert.Equal((RaftRole.Follower, 1L, (string?)null), (state.Role, state.Term, state.LeaderId));
        leader.Tell(new Propose([1]), TestActor);
        ExpectMsg(new NotLeader("n1", null));
    }

    [Fact]
    public async Task Without_check_quorum_a_silent_majority_does_not_depose_the_leader()
    {
        // Reference: Raft paper §5.2 (Figure 2 has no such step-down); the setting turns it off
        var leader = await StartLeaderAsync(settings: Settings(checkQuorum: false));

        Advance(ElectionTimeout * 3);

        Assert.Equal(RaftRole.Leader, (await StateOf(leader)).Role);
    }

    [Fact]
    public async Task A_follower_in_its_vote_lease_ignores_a_vote_request_of_a_newer_term()
    {
        // Reference: Raft thesis §9.6 (a server that heard from a current leader within the minimum election timeout does
        // not update its term or grant its vote), §4.2.3
        var settings = Settings(checkQuorum: true).WithElectionTimeout(ElectionTimeout, LongTimeout);
        var peer = await StartPeerAsync(new RaftActorOptions { Random = new Slowest() }, settings);
        peer.Tell(Heartbeat("n2", 1), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>();

        peer.Tell(VoteRequest("n3", 2), P3.Ref);
        peer.Tell(new PreVote(ClusterId, "n3", 2, 0, 0), P3.Ref);

        P3.ExpectNoMsg(Quiet); // no answer at all
        var state = await StateOf(peer);
        Assert.Equal((RaftRole.Follower, 1L, "n2"), (state.Role, state.Term, state.LeaderId));

        Advance(ElectionTimeout + TimeSpan.FromMilliseconds(1)); // the lease ends before the (longer) election timeout
        peer.Tell(VoteRequest("n3", 2), P3.Ref);
        P3.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 2, true));
    }

    [Fact]
    public async Task A_follower_that_took_a_newer_term_from_a_late_answer_still_ignores_votes_until_its_lease_ends()
    {
        // Reference: Raft thesis §9.6, §6.4.1: the leader it heard may still count on its refusal (for its quorum and its
        // read lease), whatever term this peer has since adopted from a message that was not a leader's
        var settings = Settings(checkQuorum: true).WithElectionTimeout(ElectionTimeout, LongTimeout);
        var peer = await StartPeerAsync(new RaftActorOptions { Random = new Slowest() }, settings);
        peer.Tell(Heartbeat("n2", 1), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>();

        peer.Tell(new RequestVoteResult(ClusterId, "n3", 5, false), P3.Ref); // late, from an election long over
        Assert.Equal(5L, (await StateOf(peer)).Term); // Figure 2: a newer term is adopted
        peer.Tell(VoteRequest("n3", 5), P3.Ref);
        P3.ExpectNoMsg(Quiet);

        Advance(ElectionTimeout + TimeSpan.FromMilliseconds(1));
        peer.Tell(VoteRequest("n3", 5), P3.Ref);
        P3.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 5, true));
    }

    [Fact]
    public async Task A_leader_under_check_quorum_ignores_a_vote_request_of_a_newer_term()
    {
        // Reference: Raft thesis §9.6, §4.2.3: a rejoining peer with a raised term cannot depose a leader that serves
        var leader = await StartLeaderAsync(settings: Settings(checkQuorum: true));

        leader.Tell(VoteRequest("n3", 5), P3.Ref);

        P3.ExpectNoMsg(Quiet); // no answer, and no term adopted
        var state = await StateOf(leader);
        Assert.Equal((RaftRole.Leader, 1L), (state.Role, state.Term));
    }

    [Fact]
    public async Task Two_pre_candidates_that_forgot_their_leader_grant_each_other_under_check_quorum()
    {
        // Reference: Raft thesis §9.6; a pre-candidate that kept its leader's lease would refuse the other forever
        var peer = await StartPeerAsync(settings: Settings(preVote: true, checkQuorum: true));
        peer.Tell(Heartbeat("n2", 1), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>();
        peer.Tell(new PreVote(ClusterId, "n3", 2, 0, 0), P3.Ref);
        P3.ExpectNoMsg(Quiet); // in its lease: ignored

        Advance(ElectionTimeout); // n1 times out too: a pre-candidate, its leader forgotten
        P3.ExpectMsg<PreVote>(pv => pv.Term == 2);
        peer.Tell(new PreVote(ClusterId, "n3", 2, 0, 0), P3.Ref);

        P3.ExpectMsg(new PreVoteResult(ClusterId, "n1", 2, true));
        peer.Tell(new PreVoteResult(ClusterId, "n3", 2, true));
        P3.ExpectMsg(VoteRequest("n1", 2)); // and n1's own round succeeds with n3's
    }

    [Fact]
    public async Task A_stale_append_entries_is_answered_with_the_current_term()
    {
        // Reference: Raft paper §5.1, Figure 2 (AppendEntries receiver, step 1): the answer tells a stale leader the newer
        // term, which is how a candidate that raised its term while cut off makes that leader step down
        var peer = await StartPeerAsync(settings: Settings(checkQuorum: true));
        peer.Tell(VoteRequest("n3", 4), P3.Ref);
        P3.ExpectMsg<RequestVoteResult>();

        peer.Tell(Heartbeat("n2", 2), P2.Ref);

        P2.ExpectMsg<AppendEntriesResult>(r => r.Term == 4 && !r.Success);
        Assert.Equal(4L, (await StateOf(peer)).Term);
    }
}
