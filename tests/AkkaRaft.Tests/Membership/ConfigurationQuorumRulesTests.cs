using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Serialization;
using AkkaRaft.TestKit;
using AkkaRaft.Tests.Unit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.GroupMembership;

/// <summary>
/// Whose answers count, at one peer (n1) on virtual time with the probes n2 and n3 playing the other members: a leader
/// that removes itself does not count itself in the new configuration, and only voters are asked for votes.
/// </summary>
public sealed class ConfigurationQuorumRulesTests(ITestOutputHelper output) : VirtualTimePeerTest(output)
{
    private static AppendEntriesResult Ack(string from, long match, long round = 0) => new(ClusterId, from, 1, true, match, 0, 0, 0) { Round = round };

    private static AppendEntries NextTo(TestProbe probe, Func<AppendEntries, bool> predicate) =>
        (AppendEntries)probe.FishForMessage(m => m is AppendEntries ae && predicate(ae), TimeSpan.FromSeconds(3));

    /// <summary>The newest read round among the AppendEntries <paramref name="probe"/> received until it went quiet.</summary>
    private long NewestRound(TestProbe probe)
    {
        AppendEntries? last = null;
        probe.ReceiveWhile(Quiet, m => m is AppendEntries ae ? last = ae : m);
        return Assert.IsType<AppendEntries>(last).Round;
    }

    /// <summary>
    /// n1 leads term 1 of {n1, n2, n3} with entry 1 committed (acknowledged by n2 in the round that carried it) and
    /// applied, then appends the configuration {n2, n3} that removes it, which stays uncommitted: n3 never holds it.
    /// </summary>
    private async Task<(IActorRef Leader, TestProbe Apply)> LeaderRemovingItselfAsync(RaftSettings settings)
    {
        var apply = CreateTestProbe();
        var leader = await StartLeaderAsync(new RaftActorOptions { ApplyTo = apply.Ref, Clock = new SchedulerTimeProvider(Sys.Scheduler) }, settings);
        leader.Tell(new Propose([42]), TestActor);
        ExpectMsg<ProposeAccepted>();
        var entry = NextTo(P2, ae => ae.Entries.Count > 0);
        leader.Tell(Ack("n2", match: 1, round: entry.Round), P2.Ref);
        apply.ExpectMsg<Applied>(a => a.Index == 1);

        leader.Tell(new RemoveMember("n1"), TestActor);
        var removal = NextTo(P2, ae => ae.Entries.Any(e => e.Kind == LogEntryKind.Configuration));
        leader.Tell(Ack("n2", match: removal.Entries[^1].Index, round: removal.Round), P2.Ref);

        var members = await leader.Ask<Members>(GetMembers.Instance, TimeSpan.FromSeconds(3));
        Assert.Equal((2L, false, false), (members.ConfigurationIndex, members.Committed, members.IsVoter("n1")));
        Assert.Equal(RaftRole.Leader, (await StateOf(leader)).Role);
        return (leader, apply);
    }

    [Fact]
    public async Task A_leader_that_is_not_a_voter_of_its_configuration_needs_every_voter_of_two_for_check_quorum()
    {
        // Reference: Raft thesis §4.2.2 (a leader being removed manages the cluster without counting itself) and §6.2:
        // of the voters {n2, n3}, n2 alone is not a majority, though with the leader's own answer it would be two
        var (leader, _) = await LeaderRemovingItselfAsync(Settings(checkQuorum: true));
        leader.Tell(Ack("n3", match: 1), P3.Ref);

        Advance(ElectionTimeout); // first check: n2 and n3 answered
        Assert.Equal(RaftRole.Leader, (await StateOf(leader)).Role);

        leader.Tell(Ack("n2", match: 2), P2.Ref);
        Advance(ElectionTimeout); // second check: n2 alone answered

        Assert.Equal(RaftRole.Follower, (await StateOf(leader)).Role);
    }

    [Fact]
    public async Task A_leader_that_is_not_a_voter_of_its_configuration_releases_a_read_only_once_every_voter_of_two_answered_its_round()
    {
        // Reference: Raft thesis §4.2.2 and §6.4: the round confirms leadership with a majority of the voters, which
        // the leader is not one of
        var (leader, apply) = await LeaderRemovingItselfAsync(Settings(checkQuorum: true));

        leader.Tell(new ReadIndex(9), TestActor);
        var round = NewestRound(P2);
        leader.Tell(Ack("n2", match: 2, round: round), P2.Ref);

        apply.ExpectNoMsg(Quiet);
        leader.Tell(Ack("n3", match: 1, round: round), P3.Ref);
        Assert.Equal(new ReadIndexReady(9, 1), apply.ExpectMsg<ReadIndexReady>());
    }

    [Fact]
    public async Task A_leader_that_is_not_a_voter_of_its_configuration_holds_no_lease_on_one_voter_of_two()
    {
        // Reference: Raft thesis §4.2.2 and §6.4.1: n2's answer within the lease is a majority of {n1, n2, n3} but not
        // of {n2, n3}
        var (leader, apply) = await LeaderRemovingItselfAsync(Settings(checkQuorum: true).WithReads(ReadMode.Lease, TimeSpan.FromMilliseconds(50)));

        leader.Tell(new ReadIndex(9), TestActor);

        apply.ExpectNoMsg(Quiet); // no lease: it waits for a round
        var round = NewestRound(P3);
        leader.Tell(Ack("n3", match: 1, round: round), P3.Ref);
        leader.Tell(Ack("n2", match: 2, round: round), P2.Ref);
        Assert.Equal(new ReadIndexReady(9, 1), apply.ExpectMsg<ReadIndexReady>());
    }

    /// <summary>n1 follows n2 at term 1 in the configuration of voters {n1, n2} and learner n3, which n2 sent it.</summary>
    private async Task<IActorRef> FollowerBesideALearnerAsync(RaftSettings settings)
    {
        var peer = await StartPeerAsync(settings: settings);
        var configuration = Membership.Create(
            [new Member("n1", "akka://test/user/n1"), new Member("n2", "akka://test/user/n2")], [new Member("n3", "akka://test/user/n3")]);
        var entry = new LogEntry(1, 1, MembershipCodec.Encode(configuration)) { Kind = LogEntryKind.Configuration };
        peer.Tell(Append("n2", 1, 0, 0, [entry]), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>(r => r.Success && r.MatchIndex == 1);
        var members = await peer.Ask<Members>(GetMembers.Instance, TimeSpan.FromSeconds(3));
        Assert.True(members.IsLearner("n3"));
        return peer;
    }

    [Fact]
    public async Task A_candidate_asks_the_voters_for_votes_and_never_a_learner()
    {
        // Reference: Raft thesis §4.2.1: non-voting members do not vote
        await FollowerBesideALearnerAsync(Settings());

        Advance(ElectionTimeout);

        P2.ExpectMsg<RequestVote>(rv => rv.Term == 2);
        P3.ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task A_pre_candidate_asks_the_voters_for_pre_votes_and_never_a_learner()
    {
        // Reference: Raft thesis §4.2.1 and §9.6: a pre-vote counts only from whoever could vote
        await FollowerBesideALearnerAsync(Settings(preVote: true));

        Advance(ElectionTimeout);

        P2.ExpectMsg<PreVote>(pv => pv.Term == 2);
        P3.ExpectNoMsg(Quiet);
    }
}
