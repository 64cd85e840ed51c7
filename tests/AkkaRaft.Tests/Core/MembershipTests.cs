using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Core;

/// <summary>A configuration (<see cref="Membership"/>): voters and learners by stable id, always valid.</summary>
public sealed class MembershipTests
{
    internal static Member M(string id) => new(id, $"akka.tcp://raft@{id}:4053/user/raft");

    internal static Membership Of(string[] voters, params string[] learners) =>
        Membership.Create(voters.Select(M), learners.Select(M));

    /// <summary>A member written <c>id</c> (reached at its usual address) or <c>id=address</c>.</summary>
    private static Member Parse(string member) =>
        member.Split('=') is [var id, var address] ? new Member(id, address) : M(member);

    [Theory]
    [InlineData(new string[0], new string[0], "a configuration needs at least one voter")]
    [InlineData(new string[0], new[] { "n4" }, "a configuration needs at least one voter")] // learners alone elect no one
    [InlineData(new[] { "n1", "" }, new string[0], "a member has an empty id")]
    [InlineData(new[] { "n1" }, new[] { " " }, "a member has an empty id")]
    [InlineData(new[] { "n1", "n2=" }, new string[0], "member 'n2' has an empty address")]
    [InlineData(new[] { "n1", "n2", "n1" }, new string[0], "'n1' is listed twice as a voter")]
    [InlineData(new[] { "n1" }, new[] { "n4", "n4" }, "'n4' is listed twice as a learner")]
    [InlineData(new[] { "n1", "n2" }, new[] { "n2" }, "'n2' is both a voter and a learner")]
    public void An_invalid_configuration_is_refused_with_a_one_line_reason(string[] voterList, string[] learnerList, string problem)
    {
        // Reference: Raft thesis §4 (a configuration is a set of servers, each listed once, with a majority to elect);
        // §4.2.1 (a learner is a non-voting member, so no server is both)
        var voters = voterList.Select(Parse).ToArray();
        var learners = learnerList.Select(Parse).ToArray();

        Assert.Equal(problem, Membership.Validate(voters, learners));
        var (membership, tried) = Membership.TryCreate(voters, learners);
        Assert.Null(membership);
        Assert.Equal(problem, tried);
        var thrown = Assert.Throws<ArgumentException>(() => Membership.Create(voters, learners));
        Assert.Equal(problem, thrown.Message);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public void Voters_and_learners_are_told_apart_and_a_majority_is_of_voters_only()
    {
        // Reference: Raft thesis §4.2.1 (non-voting members are not counted toward majorities)
        var c = Of(["n1", "n2", "n3"], "n4", "n5");

        Assert.True(c.IsVoter("n1"));
        Assert.False(c.IsLearner("n1"));
        Assert.True(c.IsLearner("n4"));
        Assert.False(c.IsVoter("n4"));
        Assert.True(c.Contains("n4"));
        Assert.False(c.Contains("n9"));
        Assert.Equal(2, c.Majority);
        Assert.Equal(M("n5").Address, c.AddressOf("n5"));
        Assert.Null(c.AddressOf("n9"));
    }

    [Fact]
    public void A_leader_replicates_to_every_other_member_and_asks_only_other_voters_for_votes()
    {
        // Reference: Raft thesis §4.2.1 (learners receive the log but do not vote)
        var c = Of(["n1", "n2", "n3"], "n4");

        Assert.Equal(["n1", "n2", "n3", "n4"], c.AllIds);
        Assert.Equal(["n1", "n3", "n4"], c.Others("n2"));
        Assert.Equal(["n1", "n3"], c.OtherVoters("n2"));
        Assert.Equal(["n1", "n2", "n3"], c.Others("n4")); // a learner's others are every member but itself
    }

    [Fact]
    public void The_same_configuration_built_in_another_order_is_equal_and_listed_alike()
    {
        // Reference: Raft thesis §4 (every server derives the configuration from the same log entry; member order is
        // a tie-break in leadership transfer, so it must not depend on who built the configuration)
        var a = Of(["n3", "n1", "n2"], "n5", "n4");
        var b = Of(["n1", "n2", "n3"], "n4", "n5");

        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(["n1", "n2", "n3"], a.Voters.Select(m => m.Id));
        Assert.Equal("voters [n1, n2, n3], learners [n4, n5]", a.ToString());
    }

    [Fact]
    public void Configurations_differ_by_role_and_by_address()
    {
        // Reference: Raft thesis §4.2.1 (promoting a learner changes the configuration though the servers are the same)
        Assert.NotEqual(Of(["n1", "n2"], "n3"), Of(["n1", "n2", "n3"]));
        Assert.NotEqual(Of(["n1"]), Membership.Create([new Member("n1", "akka.tcp://raft@elsewhere:1/user/raft")]));
        Assert.False(Of(["n1"]) == null);
        Assert.True(Of(["n1"]) != Of(["n2"]));
    }
}
