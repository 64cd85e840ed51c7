using Akka.Configuration;
using AkkaRaft.Actors;
using AkkaRaft.ClusterMembership;

namespace AkkaRaft.Tests.ClusterMembership;

/// <summary>
/// The rules by which the leader's <see cref="RaftClusterMembership"/> follows Akka.Cluster: one change at a time, only
/// on a committed configuration (Raft thesis §4.1), removals first, never below min-voters.
/// </summary>
public class MembershipPlanTests
{
    private static Members Group(long index, bool committed, params (string Id, bool Voter)[] members) =>
        new("n1", "n1", index, committed, 10, members.Select(m => new MemberInfo(m.Id, Path(m.Id), m.Voter, null)).ToArray());

    private static string Path(string id) => $"akka.tcp://app@{id}:4053/user/raft";

    private static Dictionary<string, string> Up(params string[] ids) => ids.ToDictionary(id => id, Path);

    private static HashSet<string> Removed(params string[] ids) => ids.ToHashSet();

    [Fact]
    public void A_member_that_is_up_and_not_a_voter_is_added_against_the_configuration_read()
    {
        // Reference: Raft thesis §4.2.1 (a new server joins as a non-voting member, then is promoted)
        var step = MembershipPlan.Next(Group(7, true, ("n1", true), ("n2", true), ("n3", true)), Up("n1", "n2", "n3", "n4"), Removed(), 3);
        Assert.Equal(new PlannedStep.Add("n4", Path("n4"), 7), step);
    }

    [Fact]
    public void A_learner_that_is_up_is_added_again_so_that_it_is_promoted()
    {
        // Reference: Raft thesis §4.2.1
        var step = MembershipPlan.Next(Group(7, true, ("n1", true), ("n2", true), ("n3", true), ("n4", false)), Up("n4"), Removed(), 3);
        Assert.Equal(new PlannedStep.Add("n4", Path("n4"), 7), step);
    }

    [Fact]
    public void Nothing_changes_while_the_latest_configuration_is_not_committed()
    {
        // Reference: Raft thesis §4.1 (one change at a time: the next waits for the previous to commit)
        var step = MembershipPlan.Next(Group(7, false, ("n1", true), ("n2", true)), Up("n3"), Removed("n2"), 1);
        Assert.Equal(new PlannedStep.AwaitCommit(7), step);
    }

    [Fact]
    public void A_removed_voter_is_removed_when_enough_voters_remain()
    {
        // Reference: Raft thesis §4.1
        var step = MembershipPlan.Next(Group(7, true, ("n1", true), ("n2", true), ("n3", true), ("n4", true)), Up("n1", "n2", "n4"), Removed("n3"), 3);
        Assert.Equal(new PlannedStep.Remove("n3", 7), step);
    }

    [Fact]
    public void A_removed_voter_stays_while_removing_it_would_go_below_min_voters()
    {
        // Reference: Raft thesis §4.1 (membership is the operator's policy; the minimum is one)
        var step = MembershipPlan.Next(Group(7, true, ("n1", true), ("n2", true), ("n3", true)), Up("n1", "n2"), Removed("n3"), 3);
        Assert.Equal(new PlannedStep.HoldRemoval("n3", 3, 3), step);
    }

    [Fact]
    public void Below_min_voters_a_new_member_is_added_first_and_then_the_removal_may_follow()
    {
        // Reference: Raft thesis §4.1
        var before = MembershipPlan.Next(Group(7, true, ("n1", true), ("n2", true), ("n3", true)), Up("n1", "n2", "n4"), Removed("n3"), 3);
        Assert.Equal(new PlannedStep.Add("n4", Path("n4"), 7), before);
        var after = MembershipPlan.Next(Group(9, true, ("n1", true), ("n2", true), ("n3", true), ("n4", true)), Up("n1", "n2", "n4"), Removed("n3"), 3);
        Assert.Equal(new PlannedStep.Remove("n3", 9), after);
    }

    [Fact]
    public void A_removed_learner_is_removed_whatever_the_number_of_voters()
    {
        // Reference: Raft thesis §4.2.1 (a learner does not count toward any majority)
        var step = MembershipPlan.Next(Group(7, true, ("n1", true), ("n4", false)), Up("n1"), Removed("n4"), 3);
        Assert.Equal(new PlannedStep.Remove("n4", 7), step);
    }

    [Fact]
    public void A_group_that_matches_the_cluster_needs_nothing_and_unknown_removals_are_ignored()
    {
        // Reference: Raft thesis §4.1
        var step = MembershipPlan.Next(Group(7, true, ("n1", true), ("n2", true)), Up("n1", "n2"), Removed("n9"), 1);
        Assert.Equal(new PlannedStep.Nothing(), step);
    }

    [Fact]
    public void Settings_are_read_from_hocon_over_the_defaults_and_name_the_key_at_fault()
    {
        var settings = RaftClusterMembershipSettings.Create(ConfigurationFactory.ParseString("akka.raft.membership.akka-cluster { min-voters = 5, id-from = host-port }"));
        Assert.Equal((5, ClusterMemberIdSource.HostPort, "raft", "/user/raft"), (settings.MinVoters, settings.IdFrom, settings.Role, settings.PeerPath));
        var ex = Assert.Throws<ConfigurationException>(() => RaftClusterMembershipSettings.Create(ConfigurationFactory.ParseString("akka.raft.membership.akka-cluster.min-voters = 0")));
        Assert.Contains("akka.raft.membership.akka-cluster.min-voters", ex.Message);
        var mode = Assert.Throws<ConfigurationException>(() => RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft { members = [n1], membership.mode = cluster }")));
        Assert.Contains("akka.raft.membership.mode", mode.Message);
    }

    [Fact]
    public void The_component_refuses_to_start_when_the_mode_is_static()
    {
        var settings = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft { members = [n1], peer-id = n1 }"));
        Assert.Equal(RaftMembershipMode.Static, settings.MembershipMode);
        var ex = Assert.Throws<ConfigurationException>(() => RaftClusterMembership.Props(Akka.Actor.ActorRefs.Nobody, settings));
        Assert.Contains("akka.raft.membership.mode", ex.Message);
        Assert.Equal(RaftMembershipMode.AkkaCluster, settings.WithMembership(mode: RaftMembershipMode.AkkaCluster).MembershipMode);
    }
}
