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

    /// <summary>A state machine's snapshot: three chunks of four bytes or fewer.</summary>
    private static readonly byte[] SnapshotState = Enumerable.Range(1, 10).Select(i => (byte)i).ToArray();

    /// <summary>
    /// n1 leads term 1 with entries 1..3, committed with n2; n3 was cut off all term and holds none of them. n1 then
    /// compacted its log up to 2, so only its snapshot and entry 3 can bring n3 up to date.
    /// </summary>
    private async Task<IActorRef> LeaderCompactedPastN3Async()
    {
        var apply = CreateTestProbe();
        var leader = await StartLeaderAsync(new RaftActorOptions { ApplyTo = apply.Ref }, Settings().WithSnapshots(chunkBytes: 4));
        for (var index = 1L; index <= 3; index++)
        {
            leader.Tell(new Propose(Command(index)), TestActor);
            ExpectMsg(new ProposeAccepted(index, 1));
            P2.FishForMessage<AppendEntries>(ae => ae.Entries.Count > 0 && ae.Entries[^1].Index == index);
            leader.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, index, 0, 0, 0), P2.Ref);
            apply.FishForMessage<Applied>(a => a.Index == index);
        }
        leader.Tell(new Snapshot(2, SnapshotState));
        var state = await StateOf(leader);
        Assert.Equal((2L, 3L), (state.SnapshotIndex, state.LastLogIndex));
        return leader;
    }

    /// <summary>The next message to n3 that is a <typeparamref name="T"/> matching <paramref name="wanted"/>; a TimeoutNow before it fails the test.</summary>
    private T NextToN3<T>(Func<T, bool> wanted) where T : class
    {
        while (true)
        {
            var message = P3.ReceiveOne(TimeSpan.FromSeconds(3));
            Assert.NotNull(message);
            Assert.False(message is TimeoutNow, $"n3 was told to campaign before it held n1's whole log (expecting {typeof(T).Name})");
            if (message is T m && wanted(m)) return m;
        }
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
    public async Task Transfer_to_a_voter_behind_the_leaders_snapshot_waits_for_the_snapshot_and_the_entries_after_it()
    {
        // Reference: Raft thesis §3.10 (the leader first brings the target's log up to date) and Raft paper §7 (a follower
        // that lacks entries the leader compacted gets its snapshot, in chunks)
        var leader = await LeaderCompactedPastN3Async();

        leader.Tell(new TransferLeadership("n3"), TestActor);
        ExpectMsg(new TransferLeadershipStarted("n1", "n3"));

        var received = new List<byte>();
        var chunk = NextToN3<InstallSnapshot>(_ => true);
        while (true)
        {
            Assert.Equal((2L, (long)received.Count), (chunk.LastIncludedIndex, chunk.Offset));
            received.AddRange(chunk.Data);
            if (chunk.Done) break;
            leader.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 2, received.Count, Installed: false), P3.Ref);
            chunk = NextToN3<InstallSnapshot>(_ => true);
        }
        Assert.Equal(SnapshotState, received);
        leader.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 2, received.Count, Installed: true), P3.Ref);

        // n3 holds up to the snapshot, 2 of 3: the entry after it goes next, and n3 may not campaign yet.
        var append = NextToN3<AppendEntries>(ae => ae.Entries.Count > 0);
        Assert.Equal(2, append.PrevLogIndex);
        Assert.Equal(new[] { 3L }, append.Entries.Select(e => e.Index));
        Assert.Null(TimeoutNowTo(P3, Quiet));

        leader.Tell(new AppendEntriesResult(ClusterId, "n3", 1, true, 3, 0, 0, 0), P3.Ref);
        Assert.Equal(new TimeoutNow(ClusterId, "n1", 1), P3.FishForMessage<TimeoutNow>(_ => true));
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
