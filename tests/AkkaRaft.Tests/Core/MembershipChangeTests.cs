using AkkaRaft.Actors;
using AkkaRaft.Actors.Core;
using static AkkaRaft.Tests.Core.MembershipTests;

namespace AkkaRaft.Tests.Core;

/// <summary>Single-server changes applied to a configuration (<see cref="MembershipChanges.Apply"/>): {n1, n2, n3} with learner n4, created at index 7.</summary>
public sealed class MembershipChangeTests
{
    private static readonly Membership Current = Of(["n1", "n2", "n3"], "n4");
    private const long CurrentIndex = 7;

    private static Membership Applied(MembershipChange change)
    {
        var (next, refusal) = MembershipChanges.Apply(Current, CurrentIndex, change);
        Assert.Null(refusal);
        return next!;
    }

    private static MembershipRefusal Refused(Membership current, MembershipChange change)
    {
        var (next, refusal) = MembershipChanges.Apply(current, CurrentIndex, change);
        Assert.Null(next);
        Assert.NotNull(refusal);
        Assert.False(refusal.Retryable); // nothing a commit could change: the request itself is wrong
        Assert.DoesNotContain('\n', refusal.Message);
        return refusal;
    }

    [Fact]
    public void A_new_server_joins_as_a_learner_and_a_promoted_learner_becomes_a_voter()
    {
        // Reference: Raft thesis §4.2.1 (a new server joins as a non-voting member, and counts only once promoted)
        Assert.Equal(Of(["n1", "n2", "n3"], "n4", "n5"), Applied(new AddLearnerChange("n5", M("n5").Address)));
        Assert.Equal(Of(["n1", "n2", "n3", "n4"]), Applied(new PromoteLearnerChange("n4")));
    }

    [Fact]
    public void A_voter_or_a_learner_is_removed_and_the_leader_may_remove_itself()
    {
        // Reference: Raft thesis §4.1 (remove one server at a time), §4.2.2 (the leader itself may be removed)
        Assert.Equal(Of(["n1", "n3"], "n4"), Applied(new RemoveMemberChange("n2")));
        Assert.Equal(Of(["n1", "n2", "n3"]), Applied(new RemoveMemberChange("n4")));
        Assert.Equal(Of(["n2", "n3"], "n4"), Applied(new RemoveMemberChange("n1"))); // whoever leads: the rule does not know
    }

    [Fact]
    public void A_change_applies_to_the_configuration_it_expected_and_is_refused_once_that_moved()
    {
        // Reference: Raft thesis §4.1 (changes go one at a time; compare-and-set lets a requester change only the
        // configuration it saw, as LogCabin's SetConfiguration takes the old configuration's id)
        Assert.Equal(Of(["n1", "n2", "n3", "n4"]), Applied(new PromoteLearnerChange("n4", ExpectedIndex: CurrentIndex)));

        var refusal = Refused(Current, new PromoteLearnerChange("n4", ExpectedIndex: 5));
        Assert.Equal(MembershipRefusalReason.ConfigurationMoved, refusal.Reason);
        Assert.Equal("cannot promote learner n4: expected the configuration of index 5, but the one in effect is of index 7 (voters [n1, n2, n3], learners [n4])", refusal.Message);
    }

    /// <summary>A change written <c>add id [address]</c>, <c>promote id</c>, <c>remove id</c>, optionally ending <c>#index</c> (the expected configuration index).</summary>
    private static MembershipChange Parse(string change)
    {
        var expected = change.Split('#') is [_, var at] ? long.Parse(at) : (long?)null;
        var words = change.Split('#')[0].Split(' ');
        return words switch
        {
            ["add", var id] => new AddLearnerChange(id, M(id).Address, expected),
            ["add", var id, var address] => new AddLearnerChange(id, address, expected),
            ["promote", var id] => new PromoteLearnerChange(id, expected),
            ["remove", var id] => new RemoveMemberChange(id, expected),
            _ => throw new ArgumentException(change),
        };
    }

    [Theory]
    [InlineData("add n2", "AlreadyMember", "cannot add learner n2 at akka.tcp://raft@n2:4053/user/raft: n2 is already a voter")]
    [InlineData("add n4", "AlreadyMember", "cannot add learner n4 at akka.tcp://raft@n4:4053/user/raft: n4 is already a learner")]
    [InlineData("add  akka.tcp://raft@n5:4053/user/raft", "InvalidMember", "cannot add learner  at akka.tcp://raft@n5:4053/user/raft: a member has an empty id")]
    [InlineData("add n5 ", "InvalidMember", "cannot add learner n5 at : member 'n5' has an empty address")]
    [InlineData("promote n9", "UnknownMember", "cannot promote learner n9: it is not a member (voters [n1, n2, n3], learners [n4])")]
    [InlineData("promote n2", "NotALearner", "cannot promote learner n2: it is a voter already")]
    [InlineData("remove n9", "UnknownMember", "cannot remove n9: it is not a member (voters [n1, n2, n3], learners [n4])")]
    [InlineData("add n5#0", "ConfigurationMoved", "cannot add learner n5 at akka.tcp://raft@n5:4053/user/raft: expected the configuration of index 0, but the one in effect is of index 7 (voters [n1, n2, n3], learners [n4])")]
    public void A_change_that_makes_no_sense_for_the_configuration_is_refused_saying_why(string change, string reason, string message)
    {
        // Reference: Raft thesis §4.1 (a change adds or removes exactly one server), §4.2.1 (only a learner is promoted)
        var refusal = Refused(Current, Parse(change));
        Assert.Equal((Enum.Parse<MembershipRefusalReason>(reason), message), (refusal.Reason, refusal.Message));
    }

    [Fact]
    public void The_last_voter_is_never_removed_but_a_learner_beside_it_is()
    {
        // Reference: Raft thesis §4 (a configuration without voters can elect no leader and commit nothing, for good)
        var alone = Of(["n1"], "n4");

        var refusal = Refused(alone, new RemoveMemberChange("n1"));
        Assert.Equal(MembershipRefusalReason.LastVoter, refusal.Reason);
        Assert.Equal("cannot remove n1: it is the only voter", refusal.Message);
        Assert.Equal(Of(["n1"]), MembershipChanges.Apply(alone, CurrentIndex, new RemoveMemberChange("n4")).Next);
    }

    [Fact]
    public void A_null_id_from_the_wire_is_refused_not_thrown()
    {
        // Reference: everything from the wire is untrusted; a bad request is refused, never a crash
        Assert.Equal(MembershipRefusalReason.InvalidMember, Refused(Current, new AddLearnerChange(null!, M("n5").Address)).Reason);
        Assert.Equal(MembershipRefusalReason.UnknownMember, Refused(Current, new PromoteLearnerChange(null!)).Reason);
        Assert.Equal(MembershipRefusalReason.UnknownMember, Refused(Current, new RemoveMemberChange(null!)).Reason);
    }
}
