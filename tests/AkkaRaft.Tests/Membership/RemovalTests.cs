using AkkaRaft.Actors;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.GroupMembership;

/// <summary>Removing followers, a cut-off server and the leader itself; majorities after a removal.</summary>
public sealed class RemovalTests(ITestOutputHelper output) : MembershipTest(output)
{
    [Fact]
    public async Task A_removed_follower_is_no_longer_replicated_to_and_does_not_disturb_the_leader()
    {
        // Reference: Raft thesis §4.1 and §4.2.3: once removed a server gets no new entries, only the one that removed it, and
        // its timeouts depose no one
        NewCluster(3, 3);
        var l = await Leader();
        await Commit(l, 1, 3);
        var (removed, kept) = (Others(3, l)[0], Others(3, l)[1]);
        var term = (await Cluster.GetState(l))!.Term;

        var change = await Changed(new RemoveMember(RaftCluster.Id(removed)));

        Assert.Equal(new[] { RaftCluster.Id(l), RaftCluster.Id(kept) }.Order(), change.Members.List.Select(m => m.Id).Order());
        var index = await Commit(l, 2, 2);
        await Run(ElectionTimeout * 5);
        Assert.Equal(2, Cluster.NCommitted(index).Count); // the removed follower never received it
        var leader = (await Cluster.GetState(l))!;
        Assert.Equal((RaftRole.Leader, term), (leader.Role, leader.Term));
        var gone = (await Cluster.GetState(removed))!;
        Assert.False(gone.IsMember); // it received the entry that removed it
        Assert.Equal(RaftRole.Follower, gone.Role); // and, knowing, does not even pre-campaign
    }

    [Fact]
    public async Task A_cut_off_follower_is_removed_by_the_others_and_does_not_disturb_them_once_reconnected()
    {
        // Reference: Raft thesis §4.1: a change commits with a majority of the new configuration; §9.6 pre-vote
        NewCluster(5, 5);
        var l = await Leader();
        await Commit(l, 1, 5);
        var cutOff = Others(5, l)[0];
        Cluster.Disconnect(cutOff);
        var term = (await Cluster.GetState(l))!.Term;

        var change = await Changed(new RemoveMember(RaftCluster.Id(cutOff)));

        Assert.DoesNotContain(change.Members.List, m => m.Id == RaftCluster.Id(cutOff));
        Cluster.Connect(cutOff);
        await Run(ElectionTimeout * 5);
        var index = await Commit(l, 2, 4);
        await Run(ElectionTimeout);
        Assert.Equal(4, Cluster.NCommitted(index).Count);
        var leader = (await Cluster.GetState(l))!;
        Assert.Equal((RaftRole.Leader, term), (leader.Role, leader.Term));
    }

    [Fact]
    public async Task A_leader_that_removes_itself_leads_until_the_change_commits_then_hands_over_and_never_campaigns_again()
    {
        // Reference: Raft thesis §4.2.2: the removed leader steps down once the change commits; handing leadership over
        // (§3.10) spares the others an election timeout
        NewCluster(3, 3);
        var l = await Leader();
        await Commit(l, 1, 3);

        var change = Assert.IsType<MembershipChanged>(await Ask(l, new RemoveMember(RaftCluster.Id(l))));

        Assert.Equal(RaftCluster.Id(l), change.PeerId); // it led the change to its commit
        Assert.False(change.Members.IsVoter(RaftCluster.Id(l)));
        var others = Others(3, l);
        var next = await Leader(among: others, within: TimeSpan.FromMilliseconds(300)); // within the shortest election timeout: a hand-over
        var nextTerm = (await Cluster.GetState(next))!.Term;
        await Run(ElectionTimeout * 10, states =>
        {
            var old = states[l]!;
            Assert.Equal(RaftRole.Follower, old.Role);
            Assert.False(old.IsMember);
            Assert.Equal((RaftRole.Leader, nextTerm), (states[next]!.Role, states[next]!.Term));
        });
        var index = await Commit(next, 2, 2);
        Assert.Equal(2, Cluster.NCommitted(index).Count);
    }

    [Fact]
    public async Task After_a_removal_an_entry_commits_only_with_a_majority_of_the_remaining_voters()
    {
        // Reference: Raft thesis §4.1: only the voters of the configuration in effect count; the removed server's
        // acknowledgement must not complete a majority of the old configuration
        NewCluster(3, 3);
        var l = await Leader();
        await Commit(l, 1, 3);
        var (removed, kept) = (Others(3, l)[0], Others(3, l)[1]);
        await Changed(new RemoveMember(RaftCluster.Id(removed)));
        Cluster.Disconnect(kept);

        var accepted = Assert.IsType<ProposeAccepted>(await Cluster.Propose(l, RaftCluster.Cmd(2)));
        await Run(ElectionTimeout * 2);

        Assert.True((await Cluster.GetState(l))!.CommitIndex < accepted.Index);
        Assert.Equal(0, Cluster.NCommitted(accepted.Index).Count);
    }

    [Fact]
    public async Task A_learner_acknowledgement_never_completes_a_majority()
    {
        // Reference: Raft thesis §4.2.1: non-voting members receive the log but are not counted for commitment
        NewCluster(3, 2);
        var l = await Leader();
        await Commit(l, 1, 2);
        await Changed(Cluster.AddLearnerRequest(2));
        var voter = Others(2, l)[0];
        Cluster.Disconnect(voter);

        var accepted = Assert.IsType<ProposeAccepted>(await Cluster.Propose(l, RaftCluster.Cmd(2)));
        await RunUntil(async () => (await Cluster.GetState(2))!.LastLogIndex >= accepted.Index, TimeSpan.FromSeconds(1), "the learner holds the entry");
        await Run(ElectionTimeout);

        Assert.True((await Cluster.GetState(l))!.CommitIndex < accepted.Index);
        Assert.Equal(0, Cluster.NCommitted(accepted.Index).Count);
    }

    [Fact]
    public async Task A_removed_member_added_back_by_a_leader_it_never_knew_learns_the_route_from_it_and_becomes_a_voter()
    {
        // Reference: Raft thesis §4.1: a server added to the group is reached at the address in the configuration entry,
        // and answers a leader it has no route for through the route its messages come with
        NewCluster(4, 3);
        var l = await Leader();
        await Commit(l, 1, 3);
        var (removed, other) = (Others(3, l)[0], Others(3, l)[1]);
        await Changed(new RemoveMember(RaftCluster.Id(removed)));
        await Changed(Cluster.AddVoterRequest(3));
        Assert.IsType<TransferLeadershipStarted>(await AskNow(l, new TransferLeadership("n4")));
        Assert.Equal(3, await Leader(among: [l, other, 3]));

        var back = await Changed(Cluster.AddVoterRequest(removed));

        Assert.Equal("n4", back.PeerId);
        Assert.True(back.Members.IsVoter(RaftCluster.Id(removed)));
        var index = await Commit(3, 2, 4);
        Assert.Equal(4, Cluster.NCommitted(index).Count);
    }
}
