using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// Figure 2's election rules, one per test, on one peer driven by probes on virtual time: timers, roles and what the
/// peer does with the rules' decisions. The vote and term decisions themselves are plain rules, tested in
/// <c>Core/VoteAnswerTests</c> and <c>Core/TermRulesTests</c>.
/// </summary>
public sealed class ElectionRulesTests : VirtualTimePeerTest
{
    public ElectionRulesTests(ITestOutputHelper output) : base(output) { }

    [Fact]
    public async Task Follower_whose_election_timer_fires_becomes_candidate_and_requests_votes_from_every_peer()
    {
        // Reference: Raft paper §5.2 (increment currentTerm, vote for self, send RequestVote to all other servers)
        var peer = await StartPeerAsync();

        Advance(ElectionTimeout - TimeSpan.FromMilliseconds(1));
        P2.ExpectNoMsg(Quiet);
        Assert.Equal(RaftRole.Follower, (await StateOf(peer)).Role);

        Advance(TimeSpan.FromMilliseconds(1));
        P2.ExpectMsg(VoteRequest("n1", term: 1));
        P3.ExpectMsg(VoteRequest("n1", term: 1));
        var state = await StateOf(peer);
        Assert.Equal(RaftRole.Candidate, state.Role);
        Assert.Equal(1, state.Term);
    }

    [Fact]
    public async Task Candidate_votes_for_itself_and_refuses_others_in_its_term()
    {
        // Reference: Raft paper §5.2 (a candidate votes for itself; each server votes once per term)
        var peer = await StartCandidateAsync();

        peer.Tell(VoteRequest("n3", term: 1), P3.Ref);

        P3.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 1, false));
    }

    [Fact]
    public async Task Candidate_whose_election_times_out_starts_a_new_election_in_the_next_term()
    {
        // Reference: Raft paper §5.2 (a split vote: time out and start a new election)
        var peer = await StartCandidateAsync();
        peer.Tell(new RequestVoteResult(ClusterId, "n2", 1, false), P2.Ref);

        Advance(ElectionTimeout);

        P2.ExpectMsg(VoteRequest("n1", term: 2));
        P3.ExpectMsg(VoteRequest("n1", term: 2));
        Assert.Equal(RaftRole.Candidate, (await StateOf(peer)).Role);
    }

    [Fact]
    public async Task Candidate_with_a_majority_becomes_leader()
    {
        // Reference: Raft paper §5.2 (wins with votes from a majority of the servers: itself and n2 of three)
        var peer = await StartCandidateAsync();

        peer.Tell(new RequestVoteResult(ClusterId, "n2", 1, true), P2.Ref);

        P2.ExpectMsg<AppendEntries>();
        var state = await StateOf(peer);
        Assert.Equal(RaftRole.Leader, state.Role);
        Assert.Equal("n1", state.LeaderId);
        Assert.Equal(1, state.Term);
    }

    [Fact]
    public async Task Candidate_without_a_majority_stays_candidate()
    {
        // Reference: Raft paper §5.2 (a refused vote does not count)
        var peer = await StartCandidateAsync();

        peer.Tell(new RequestVoteResult(ClusterId, "n2", 1, false), P2.Ref);

        P2.ExpectNoMsg(Quiet);
        Assert.Equal(RaftRole.Candidate, (await StateOf(peer)).Role);
    }

    [Fact]
    public async Task New_leader_sends_heartbeats_at_once_and_then_every_heartbeat_interval()
    {
        // Reference: Raft paper §5.2 (send empty AppendEntries upon election and repeat during idle periods)
        var peer = await StartCandidateAsync();

        peer.Tell(new RequestVoteResult(ClusterId, "n2", 1, true), P2.Ref);
        var expected = Heartbeat("n1", term: 1);
        AssertHeartbeat(expected, P2.ExpectMsg<AppendEntries>());
        AssertHeartbeat(expected, P3.ExpectMsg<AppendEntries>());

        Advance(HeartbeatInterval - TimeSpan.FromMilliseconds(1));
        P2.ExpectNoMsg(Quiet);
        P3.ExpectNoMsg(TimeSpan.Zero);

        Advance(TimeSpan.FromMilliseconds(1));
        AssertHeartbeat(expected, P2.ExpectMsg<AppendEntries>());
        AssertHeartbeat(expected, P3.ExpectMsg<AppendEntries>());

        Advance(HeartbeatInterval);
        AssertHeartbeat(expected, P2.ExpectMsg<AppendEntries>());
        AssertHeartbeat(expected, P3.ExpectMsg<AppendEntries>());
    }

    [Fact]
    public async Task Candidate_that_hears_append_entries_of_its_own_term_becomes_follower()
    {
        // Reference: Raft paper §5.2 (a leader of a term at least as large is legitimate: return to follower)
        var peer = await StartCandidateAsync();

        peer.Tell(Heartbeat("n2", term: 1), P2.Ref);

        P2.ExpectMsg<AppendEntriesResult>(r => r.Success && r.Term == 1);
        var state = await StateOf(peer);
        Assert.Equal(RaftRole.Follower, state.Role);
        Assert.Equal(1, state.Term);
        Assert.Equal("n2", state.LeaderId);
    }

    public static TheoryData<RaftRole, bool> RolesAndDirections() => new()
    {
        { RaftRole.Follower, false }, { RaftRole.Follower, true },
        { RaftRole.Candidate, false }, { RaftRole.Candidate, true },
        { RaftRole.Leader, false }, { RaftRole.Leader, true },
    };

    [Theory]
    [MemberData(nameof(RolesAndDirections))]
    public async Task Any_role_steps_down_to_follower_on_a_higher_term(RaftRole role, bool inResponse)
    {
        // Reference: Raft paper §5.1, Figure 2 (all servers: if an RPC request or response has term T > currentTerm,
        // set currentTerm = T and convert to follower)
        var peer = role switch
        {
            RaftRole.Follower => await StartPeerAsync(),
            RaftRole.Candidate => await StartCandidateAsync(),
            _ => await StartLeaderAsync(),
        };
        IRaftMessage higher = (role, inResponse) switch
        {
            (_, false) => VoteRequest("n3", term: 7, lastLogIndex: 9, lastLogTerm: 6),
            (RaftRole.Leader, true) => new AppendEntriesResult(ClusterId, "n3", 7, false, 0, 0, 0, 1),
            _ => new RequestVoteResult(ClusterId, "n3", 7, false),
        };

        peer.Tell(higher, P3.Ref);

        if (!inResponse) P3.ExpectMsg<RequestVoteResult>(r => r.Term == 7);
        var state = await StateOf(peer);
        Assert.Equal(RaftRole.Follower, state.Role);
        Assert.Equal(7, state.Term);
        Assert.NotEqual("n1", state.LeaderId);
        // A deposed leader stops asserting itself.
        Advance(HeartbeatInterval);
        P2.ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task Leader_heartbeats_keep_a_follower_from_starting_an_election()
    {
        // Reference: Raft paper §5.2 (a follower remains follower while it receives valid RPCs from a leader)
        var peer = await StartPeerAsync();

        // Ten election timeouts of virtual time, with a heartbeat from n2 every heartbeat interval.
        for (var elapsed = TimeSpan.Zero; elapsed < 10 * ElectionTimeout; elapsed += HeartbeatInterval)
        {
            peer.Tell(Heartbeat("n2", term: 1), P2.Ref);
            P2.ExpectMsg<AppendEntriesResult>(r => r.Success);
            Advance(HeartbeatInterval);
        }

        P2.ExpectNoMsg(Quiet);
        P3.ExpectNoMsg(TimeSpan.Zero);
        var state = await StateOf(peer);
        Assert.Equal(RaftRole.Follower, state.Role);
        Assert.Equal(1, state.Term);
    }

    [Fact]
    public async Task Granting_a_vote_resets_the_election_timer()
    {
        // Reference: Raft paper Figure 2 (Followers: convert to candidate only if no AppendEntries from the
        // leader and no vote granted within the election timeout)
        var peer = await StartPeerAsync();
        peer.Tell(Heartbeat("n2", term: 1), P2.Ref); // term 1 begins at virtual time 0, without a vote
        P2.ExpectMsg<AppendEntriesResult>(r => r.Success);

        Advance(TimeSpan.FromMilliseconds(200));
        peer.Tell(VoteRequest("n3", term: 1), P3.Ref);
        P3.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 1, true));

        // The timer restarted at 200ms: nothing at 499ms, an election at 500ms.
        Advance(ElectionTimeout - TimeSpan.FromMilliseconds(1));
        P3.ExpectNoMsg(Quiet);
        Advance(TimeSpan.FromMilliseconds(1));
        P3.ExpectMsg<RequestVote>(rv => rv.Term == 2);
    }

    [Fact]
    public async Task Refusing_a_stale_candidate_of_a_higher_term_does_not_restart_the_election_timer()
    {
        // Reference: Raft paper Figure 2 (Followers: only AppendEntries from the current leader or a granted vote hold
        // off an election; adopting a higher term, §5.1, is neither). A failover where one survivor's log is behind:
        // its candidacy must not push back the one peer that can win, or every round is a coin flip between them.
        var peer = await StartPeerAsync();
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1)), P2.Ref); // the leader's last message, at virtual time 0
        P2.ExpectMsg<AppendEntriesResult>(r => r.Success && r.MatchIndex == 2);

        // The leader dies. At 200ms n3, which never got entry 2, times out and asks for a vote at term 2.
        Advance(TimeSpan.FromMilliseconds(200));
        peer.Tell(VoteRequest("n3", term: 2, lastLogIndex: 1, lastLogTerm: 1), P3.Ref);
        P3.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 2, false));

        // n1 adopted term 2 but granted nothing: its timer still runs from 0 and fires at 300ms, not 500ms.
        Advance(ElectionTimeout - TimeSpan.FromMilliseconds(200));
        P3.ExpectMsg<RequestVote>(rv => rv.Term == 3 && rv.LastLogIndex == 2);
    }

    [Fact]
    public async Task Message_from_another_cluster_is_dropped()
    {
        // Reference: Raft paper §5.1 (only servers of the cluster take part); cluster-id in reference.conf
        var peer = await StartPeerAsync();

        peer.Tell(VoteRequest("n2", term: 5) with { ClusterId = "other" }, P2.Ref);
        peer.Tell(Heartbeat("n2", term: 6) with { ClusterId = "other" }, P2.Ref);

        P2.ExpectNoMsg(Quiet);
        var state = await StateOf(peer);
        Assert.Equal(0, state.Term);
        Assert.Null(state.LeaderId);
        // Nor was a vote recorded: n3 can still have it in term 5.
        peer.Tell(VoteRequest("n3", term: 5), P3.Ref);
        P3.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 5, true));
    }

    [Fact]
    public async Task Message_from_a_non_member_is_dropped()
    {
        // Reference: Raft paper §5.1 (only the cluster's servers vote or lead)
        var peer = await StartPeerAsync();
        var stranger = CreateTestProbe("n9");

        peer.Tell(VoteRequest("n9", term: 5), stranger.Ref);
        peer.Tell(Heartbeat("n9", term: 6), stranger.Ref);

        stranger.ExpectNoMsg(Quiet);
        P2.ExpectNoMsg(TimeSpan.Zero);
        P3.ExpectNoMsg(TimeSpan.Zero);
        var state = await StateOf(peer);
        Assert.Equal(0, state.Term);
        Assert.Null(state.LeaderId);
    }

    [Fact]
    public async Task Role_changes_are_published_on_the_event_stream()
    {
        // Reference: Raft paper §5.1 (Figure 4: the role transitions)
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(RaftRoleChanged));
        var peer = await StartPeerAsync();
        events.ExpectMsg(new RaftRoleChanged(ClusterId, "n1", 0, RaftRole.Follower, null));

        Advance(ElectionTimeout);
        events.ExpectMsg(new RaftRoleChanged(ClusterId, "n1", 1, RaftRole.Candidate, null));

        peer.Tell(new RequestVoteResult(ClusterId, "n2", 1, true), P2.Ref);
        events.ExpectMsg(new RaftRoleChanged(ClusterId, "n1", 1, RaftRole.Leader, "n1"));

        peer.Tell(new AppendEntriesResult(ClusterId, "n3", 2, false, 0, 0, 0, 1), P3.Ref);
        events.ExpectMsg(new RaftRoleChanged(ClusterId, "n1", 2, RaftRole.Follower, null));

        peer.Tell(Heartbeat("n3", term: 2), P3.Ref);
        events.ExpectMsg(new RaftRoleChanged(ClusterId, "n1", 2, RaftRole.Follower, "n3"));
    }

    [Fact]
    public async Task Leader_sends_about_ten_heartbeats_per_second_to_each_follower_by_default()
    {
        // Reference: Raft paper §5.6 (broadcastTime ≪ electionTimeout); reference.conf heartbeat-interval = 100ms.
        // Followers answer every heartbeat, as they would: answers must not make the leader send more.
        Assert.Equal(HeartbeatInterval, Settings().HeartbeatInterval);
        var peer = await StartCandidateAsync();
        foreach (var (probe, id) in new[] { (P2, "n2"), (P3, "n3") })
            probe.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
            {
                if (message is AppendEntries ae)
                    sender.Tell(new AppendEntriesResult(ClusterId, id, ae.Term, true, ae.LastIndex, 0, 0, 0));
                return AutoPilot.KeepRunning;
            }));
        peer.Tell(new RequestVoteResult(ClusterId, "n2", 1, true), P2.Ref);
        P2.ExpectMsg<AppendEntries>(); // elected: the clock of the first second starts
        P3.ExpectMsg<AppendEntries>();

        for (var i = 0; i < 100; i++) Advance(TimeSpan.FromMilliseconds(10));

        // The election heartbeat plus one per interval: 11 in [0, 1s].
        var toN2 = 1 + CountAppendEntries(P2);
        var toN3 = 1 + CountAppendEntries(P3);
        Assert.InRange(toN2, 10, 11);
        Assert.InRange(toN3, 10, 11);
    }

    /// <summary>AppendEntries waiting on <paramref name="probe"/>; stops at 50, far above the limit, so a message storm fails fast.</summary>
    private static int CountAppendEntries(TestProbe probe) =>
        probe.ReceiveWhile<AppendEntries>(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(300), m => (m as AppendEntries)!, msgs: 50).Count;

    private static void AssertHeartbeat(AppendEntries expected, AppendEntries actual)
    {
        Assert.Empty(actual.Entries);
        Assert.Equal(expected with { Entries = actual.Entries }, actual);
    }
}
