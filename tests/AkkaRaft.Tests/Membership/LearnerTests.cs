using AkkaRaft.Actors;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.GroupMembership;

/// <summary>Learners and joining peers: they receive the log, never campaign, and become voters only once caught up.</summary>
public sealed class LearnerTests(ITestOutputHelper output) : MembershipTest(output)
{
    [Fact]
    public async Task A_learner_never_campaigns_even_after_its_election_timeout()
    {
        // Reference: Raft thesis §4.2.1: a non-voting member never starts an election
        NewCluster(3, 2);
        var l = await Leader();
        await Commit(l, 1, 2);
        await Changed(Cluster.AddLearnerRequest(2));
        await RunUntil(async () => (await Cluster.GetState(2))!.IsMember, TimeSpan.FromSeconds(1), "the learner knows it is a member");
        var term = (await Cluster.GetState(2))!.Term;

        Cluster.Disconnect(l);
        await Run(ElectionTimeout * 10, states =>
        {
            Assert.Equal(RaftRole.Follower, states[2]!.Role);
            Assert.Equal(term, states[2]!.Term);
        });
        Assert.False((await Cluster.GetState(Others(2, l)[0]))!.IsLeader); // one voter of two cannot win alone
    }

    [Fact]
    public async Task AddVoter_promotes_a_learner_only_once_it_has_caught_up()
    {
        // Reference: Raft thesis §4.2.1: a new server becomes a voter only after catching up in rounds
        NewCluster(4, 3);
        var l = await Leader();
        await Commit(l, 1, 3);
        await Changed(Cluster.AddLearnerRequest(3));
        Cluster.Disconnect(3);
        for (var v = 2; v <= 4; v++) await Commit(l, v, 3);

        var refused = Assert.IsType<MembershipChangeRefused>(await Change(Cluster.AddVoterRequest(3)));

        Assert.Equal(MembershipRefusalReason.NotCaughtUp, refused.Reason);
        Assert.True((await MembersOf(l)).IsLearner("n4"));
        Cluster.Connect(3);
        var promoted = await Changed(Cluster.AddVoterRequest(3));
        Assert.True(promoted.Members.IsVoter("n4"));
        Assert.Equal(4, promoted.Members.List.Count(m => m.IsVoter));
    }

    [Fact]
    public async Task A_joining_peer_stays_a_follower_until_added_and_then_receives_the_log()
    {
        // Reference: Raft thesis §4.2.1: a server starts with no configuration and waits to be added
        NewCluster(4, 3);
        await Run(ElectionTimeout * 10, states =>
        {
            var joiner = states[3]!;
            Assert.Equal((RaftRole.Follower, 0L, false), (joiner.Role, joiner.Term, joiner.IsMember));
        });
        var l = await Leader();
        long last = 0;
        for (var v = 1; v <= 3; v++) last = await Commit(l, v, 3);
        Assert.Equal(0, (await Cluster.GetState(3))!.LastLogIndex);

        var added = await Changed(Cluster.AddLearnerRequest(3));

        await RunUntil(() => Task.FromResult(Cluster.NCommitted(added.Index).Count == 4), TimeSpan.FromSeconds(2), "the learner applied the log");
        Assert.Equal(4, Cluster.NCommitted(last).Count);
        var joined = (await Cluster.GetState(3))!;
        Assert.Equal((RaftRole.Follower, true, RaftCluster.Id(l)), (joined.Role, joined.IsMember, joined.LeaderId));
        Cluster.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task A_joined_peer_restarted_recovers_its_membership_from_its_own_journal()
    {
        // Reference: Raft thesis §4.1: the configuration is in the log, so a restarted server knows it without its
        // start-up settings (this one started with none)
        NewCluster(4, 3);
        var l = await Leader();
        await Commit(l, 1, 3);
        var added = await Changed(Cluster.AddVoterRequest(3));
        await RunUntil(async () => (await MembersOf(3)).ConfigurationIndex == added.Index, TimeSpan.FromSeconds(1), "n4 holds its promotion");

        await Cluster.Crash(3);
        Cluster.Start(3); // left disconnected: what it knows comes from its own journal
        await Cluster.Settle();

        var recovered = await MembersOf(3);
        Assert.Equal((added.Index, true, 4), (recovered.ConfigurationIndex, recovered.IsVoter("n4"), recovered.List.Count(m => m.IsVoter)));
        Assert.True((await Cluster.GetState(3))!.IsMember);
    }
}
