using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// Lease reads (Raft thesis §6.4.1) on virtual time: n1 leads term 1 of {n1, n2, n3} with check-quorum on and
/// <c>reads = lease</c>; election-timeout-min 300 ms less the 50 ms drift bound gives a 250 ms lease.
/// </summary>
public sealed class LeaseReadRulesTests : VirtualTimePeerTest
{
    public LeaseReadRulesTests(ITestOutputHelper output) : base(output) { }

    private static readonly TimeSpan Drift = TimeSpan.FromMilliseconds(50);

    private static RaftSettings LeaseSettings() => Settings(checkQuorum: true).WithReads(ReadMode.Lease, Drift);

    private static AppendEntriesResult Ack(string from, long match, long round) => new(ClusterId, from, 1, true, match, 0, 0, 0) { Round = round };

    private static AppendEntries NextTo(TestProbe probe, Func<AppendEntries, bool> predicate) =>
        (AppendEntries)probe.FishForMessage(m => m is AppendEntries ae && predicate(ae), TimeSpan.FromSeconds(3));

    /// <summary>
    /// n1 leads with entry 1 of its term committed, acknowledged by <paramref name="acker"/> alone with the round n1
    /// started as it took office, and applied. Returns that round.
    /// </summary>
    private async Task<(IActorRef Leader, TestProbe Apply, long Round)> LeaderWithCommittedEntryAsync(RaftSettings settings, string acker = "n2")
    {
        var apply = CreateTestProbe();
        var leader = await StartLeaderAsync(new RaftActorOptions { ApplyTo = apply.Ref, Clock = new SchedulerTimeProvider(Sys.Scheduler) }, settings);
        leader.Tell(new Propose([42]), TestActor);
        ExpectMsg<ProposeAccepted>();
        var probe = acker == "n2" ? P2 : P3;
        var entry = NextTo(probe, ae => ae.Entries.Count > 0);
        leader.Tell(Ack(acker, match: 1, round: entry.Round), probe.Ref);
        apply.ExpectMsg<Applied>(a => a.Index == 1);
        return (leader, apply, entry.Round);
    }

    [Fact]
    public async Task A_leader_within_its_lease_serves_a_read_at_once_without_a_round()
    {
        // Reference: Raft thesis §6.4.1 (the leader uses its lease instead of a heartbeat round)
        var (leader, apply, _) = await LeaderWithCommittedEntryAsync(LeaseSettings());

        leader.Tell(new ReadIndex(9), TestActor);

        Assert.Equal(new ReadIndexReady(9, 1), apply.ExpectMsg<ReadIndexReady>());
    }

    [Fact]
    public async Task With_read_index_the_same_read_waits_for_a_round()
    {
        // Reference: Raft thesis §6.4 (ReadIndex, the default, confirms leadership with a round for each read)
        var (leader, apply, _) = await LeaderWithCommittedEntryAsync(Settings(checkQuorum: true));

        leader.Tell(new ReadIndex(9), TestActor);

        apply.ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task The_lease_ends_election_timeout_min_less_the_drift_bound_after_the_acknowledged_round_was_sent()
    {
        // Reference: Raft thesis §6.4.1 (the lease runs from when the heartbeat was sent; the followers' clocks may run fast)
        var (leader, apply, _) = await LeaderWithCommittedEntryAsync(LeaseSettings());
        Advance(TimeSpan.FromMilliseconds(240)); // heartbeats go out at 100 and 200 ms; nobody answers them
        leader.Tell(new ReadIndex(1), TestActor);
        Assert.Equal(1, apply.ExpectMsg<ReadIndexReady>().RequestId);

        Advance(TimeSpan.FromMilliseconds(20)); // 260 ms: past the 250 ms lease
        leader.Tell(new ReadIndex(2), TestActor);
        var round = NextTo(P2, ae => ae.Entries.Count == 0 && ae.Round > 0).Round;
        apply.ExpectNoMsg(Quiet);

        leader.Tell(Ack("n2", match: 1, round: (await LatestRound(leader, P3))), P2.Ref);
        Assert.Equal(2, apply.ExpectMsg<ReadIndexReady>().RequestId); // back to confirming it with a round
        Assert.True(round > 0);
    }

    [Fact]
    public async Task The_lease_counts_from_when_a_round_was_sent_not_from_when_its_answer_arrived()
    {
        // Reference: Raft thesis §6.4.1 (a late answer proves only that the follower heard the leader when it was sent)
        var (leader, apply, firstRound) = await LeaderWithCommittedEntryAsync(LeaseSettings(), acker: "n3");
        Advance(TimeSpan.FromMilliseconds(260));

        leader.Tell(Ack("n2", match: 1, round: firstRound), P2.Ref); // arrives now, sent 260 ms ago
        leader.Tell(new ReadIndex(1), TestActor);
        apply.ExpectNoMsg(Quiet);

        leader.Tell(new ReadIndex(2), TestActor);
        leader.Tell(Ack("n2", match: 1, round: await LatestRound(leader, P2)), P2.Ref);
        // The echo of the newest round renews the lease and confirms both reads' round.
        Assert.Equal(new long[] { 1, 2 }, new[] { apply.ExpectMsg<ReadIndexReady>().RequestId, apply.ExpectMsg<ReadIndexReady>().RequestId });
        leader.Tell(new ReadIndex(3), TestActor);
        Assert.Equal(3, apply.ExpectMsg<ReadIndexReady>().RequestId); // within the renewed lease: at once
    }

    [Fact]
    public async Task No_lease_read_while_leadership_is_being_handed_over()
    {
        // Reference: Raft thesis §3.10, §6.4.1 (the target's campaign gets past the followers' vote lease)
        var (leader, apply, _) = await LeaderWithCommittedEntryAsync(LeaseSettings(), acker: "n3");
        leader.Tell(new TransferLeadership("n2"), TestActor); // n2 has not acknowledged entry 1: the transfer waits
        ExpectMsg<TransferLeadershipStarted>();

        leader.Tell(new ReadIndex(1), TestActor);

        apply.ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task No_lease_read_for_the_rest_of_the_term_once_a_peer_was_told_to_campaign()
    {
        // Reference: Raft thesis §3.10 (TimeoutNow may still start an election after the transfer was abandoned)
        var (leader, apply, _) = await LeaderWithCommittedEntryAsync(LeaseSettings());
        leader.Tell(new TransferLeadership("n2"), TestActor);
        ExpectMsg<TransferLeadershipStarted>();
        P2.FishForMessage(m => m is TimeoutNow, TimeSpan.FromSeconds(3));
        Advance(ElectionTimeout); // the transfer is abandoned; n1 still leads
        leader.Tell(Ack("n2", match: 1, round: await LatestRound(leader, P2)), P2.Ref);
        Assert.Equal(RaftRole.Leader, (await StateOf(leader)).Role);

        leader.Tell(new ReadIndex(1), TestActor);

        apply.ExpectNoMsg(Quiet); // a fresh majority echo, but no lease: it waits for a round
    }

    [Fact]
    public async Task A_peer_that_starts_with_lease_reads_refuses_votes_of_a_newer_term_for_the_minimum_election_timeout()
    {
        // Reference: Raft thesis §6.4.1: it may have acknowledged a leader just before it restarted, and that leader's
        // lease counts on this peer not helping elect another before election-timeout-min has passed
        var settings = LeaseSettings().WithElectionTimeout(ElectionTimeout, ElectionTimeout * 2);
        var peer = await StartPeerAsync(settings: settings);

        peer.Tell(VoteRequest("n3", 2), P3.Ref);
        P3.ExpectNoMsg(Quiet);

        Advance(ElectionTimeout);
        peer.Tell(VoteRequest("n3", 2), P3.Ref);
        P3.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 2, true));
    }

    [Fact]
    public async Task A_peer_that_starts_with_read_index_votes_at_once()
    {
        // Reference: Raft paper §5.2 (no lease to protect: Figure 2's rules alone)
        var peer = await StartPeerAsync(settings: Settings(checkQuorum: true));

        peer.Tell(VoteRequest("n3", 2), P3.Ref);

        P3.ExpectMsg(new RequestVoteResult(ClusterId, "n1", 2, true));
    }

    /// <summary>Lets a heartbeat go out and returns the round it carries to <paramref name="probe"/>: the newest one.</summary>
    private async Task<long> LatestRound(IActorRef leader, TestProbe probe)
    {
        Advance(HeartbeatInterval);
        await StateOf(leader); // the heartbeat tick has been handled
        AppendEntries? last = null;
        probe.ReceiveWhile(Quiet, m => m is AppendEntries ae ? last = ae : m);
        return Assert.IsType<AppendEntries>(last).Round;
    }
}
