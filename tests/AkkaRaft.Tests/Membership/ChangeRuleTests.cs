using AkkaRaft.Actors;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.GroupMembership;

/// <summary>When a leader may start a configuration change: one at a time, and only after an entry of its term committed.</summary>
public sealed class ChangeRuleTests(ITestOutputHelper output) : MembershipTest(output)
{
    [Fact]
    public async Task A_second_change_while_the_first_is_uncommitted_is_refused_as_retryable_ChangeInProgress()
    {
        // Reference: Raft thesis §4.1: a leader starts a change only once the previous one has committed
        NewCluster(5, 3);
        var leader = await Leader();
        await Commit(leader, 1, 3);
        var followers = Others(3, leader);
        foreach (var f in followers) Cluster.Disconnect(f);

        var first = Cluster.Peer(leader)!.Ask<object>(Cluster.AddLearnerRequest(3), TimeSpan.FromSeconds(60));
        var second = await AskNow(leader, Cluster.AddLearnerRequest(4));

        var refused = Assert.IsType<MembershipChangeRefused>(second);
        Assert.Equal(MembershipRefusalReason.ChangeInProgress, refused.Reason);
        Assert.True(refused.Retryable);
        Assert.False(first.IsCompleted);
        foreach (var f in followers) Cluster.Connect(f);
        await RunUntil(() => Task.FromResult(first.IsCompleted), TimeSpan.FromSeconds(5), "the first change answered");
        Assert.IsType<MembershipChanged>(await first);
        var then = await Changed(Cluster.AddLearnerRequest(4)); // the same request succeeds once the first committed
        Assert.True(then.Members.IsLearner("n4") && then.Members.IsLearner("n5"));
    }

    [Fact]
    public async Task A_new_leader_with_an_uncommitted_configuration_from_the_previous_term_refuses_a_change_as_ChangeInProgress()
    {
        // Reference: Raft thesis §4.1: the configuration entry a new leader inherited uncommitted is a change in progress
        NewCluster(4, 3, leaderNoOp: false);
        var old = await Leader();
        await Commit(old, 1, 3);
        var (heir, other) = (Others(3, old)[0], Others(3, old)[1]);
        Cut(old, other, 3);
        Cluster.Network.SetLink(heir, old, false); // the heir receives the entry; the old leader never learns it did

        _ = Cluster.Peer(old)!.Ask<object>(Cluster.AddLearnerRequest(3), TimeSpan.FromSeconds(60));
        await RunUntil(async () => (await MembersOf(heir)).IsLearner("n4"), TimeSpan.FromSeconds(2), "the heir holds the configuration");
        Cluster.Disconnect(old);
        HealLinks(3);
        var leader = await Leader(among: [heir, other]);
        Assert.Equal(heir, leader); // the longer log wins (§5.4.1)
        Assert.False((await MembersOf(heir)).Committed);

        var refused = Assert.IsType<MembershipChangeRefused>(await AskNow(heir, new RemoveMember(RaftCluster.Id(other))));
        Assert.Equal(MembershipRefusalReason.ChangeInProgress, refused.Reason);
        Assert.True(refused.Retryable);
    }

    [Fact]
    public async Task A_new_leader_refuses_a_change_until_an_entry_of_its_own_term_has_committed()
    {
        // Reference: Raft thesis §4.1 with its 2015 correction for single-server changes: leader L of four voters promotes a
        // learner with only that learner reachable; the other three elect M. Were M to change the configuration it holds
        // before committing an entry of its term, L's promotion (a majority of five with the learner and one of M's
        // side that missed M's change) and M's change would have majorities that do not overlap.
        NewCluster(5, 4, leaderNoOp: false);
        var l = await Leader();
        await Commit(l, 1, 4);
        await Changed(Cluster.AddLearnerRequest(4));
        await Run(TimeSpan.FromMilliseconds(300)); // every peer learns the commit index
        var side = Others(4, l);
        Cut(l, side);
        var promote = Cluster.Peer(l)!.Ask<object>(new PromoteLearner("n5"), TimeSpan.FromSeconds(60));
        await RunUntil(async () => (await MembersOf(4)).IsVoter("n5"), TimeSpan.FromSeconds(1), "the learner holds its promotion");

        var m = await Leader(among: side);
        var x = side.First(i => i != m);
        var early = Assert.IsType<MembershipChangeRefused>(await AskNow(m, new RemoveMember(RaftCluster.Id(x))));
        Assert.Equal(MembershipRefusalReason.TermNotCommitted, early.Reason);
        Assert.True(early.Retryable);

        await Commit(m, 2, 3); // an entry of M's term commits
        var removed = Assert.IsType<MembershipChanged>(await Ask(m, new RemoveMember(RaftCluster.Id(x))));
        Assert.False(removed.Members.IsVoter(RaftCluster.Id(x)));
        HealLinks(5);
        await Run(TimeSpan.FromSeconds(3));
        Assert.IsType<MembershipChangeRefused>(await promote); // L lost leadership: its promotion never commits
        foreach (var i in Others(5, x))
        {
            var members = await MembersOf(i);
            Assert.Equal((removed.Index, true, false), (members.ConfigurationIndex, members.IsLearner("n5"), members.IsVoter(RaftCluster.Id(x))));
        }
    }
}
