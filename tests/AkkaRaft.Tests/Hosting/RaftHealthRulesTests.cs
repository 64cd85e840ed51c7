using AkkaRaft.Actors;
using AkkaRaft.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AkkaRaft.Tests.Hosting;

/// <summary>The health check's rules, a peer's answers in and a status out, with no ActorSystem.</summary>
public class RaftHealthRulesTests
{
    private static readonly TimeSpan ElectionTimeout = TimeSpan.FromMilliseconds(600);
    private static readonly RaftHealthCheckOptions Options = new() { UnhealthyAfterElectionTimeouts = 3, MaxApplyLag = 100 };

    private static RaftState State(RaftRole role, string? leader, long commit = 10, long applied = 10, bool member = true) =>
        new("n2", 4, role, leader, commit, commit, applied) { IsMember = member };

    private static Members Group(bool n2Voter = true) => new("n2", "n1", 0, true, 10,
    [
        new MemberInfo("n1", "akka://a/user/raft", true, null),
        new MemberInfo("n3", "akka://a/user/raft", true, null),
        new MemberInfo("n2", "akka://a/user/raft", n2Voter, null),
    ]);

    private static HealthStatus Status(RaftState state, Members members, TimeSpan? noLeaderFor = null) =>
        RaftHealth.Evaluate(state, members, noLeaderFor, ElectionTimeout, Options).Status;

    [Fact]
    public void Healthy_when_a_leader_is_known()
    {
        Assert.Equal(HealthStatus.Healthy, Status(State(RaftRole.Follower, "n1"), Group()));
        Assert.Equal(HealthStatus.Healthy, Status(State(RaftRole.Leader, "n2"), Group()));
    }

    [Fact]
    public void Degraded_while_a_learner_catches_up()
    {
        Assert.Equal(HealthStatus.Degraded, Status(State(RaftRole.Follower, "n1"), Group(n2Voter: false)));
    }

    [Fact]
    public void Degraded_while_applied_index_is_far_behind_commit_index()
    {
        Assert.Equal(HealthStatus.Degraded, Status(State(RaftRole.Follower, "n1", commit: 500, applied: 399), Group()));
        Assert.Equal(HealthStatus.Healthy, Status(State(RaftRole.Follower, "n1", commit: 500, applied: 400), Group()));
    }

    [Fact]
    public void Degraded_while_waiting_to_be_added()
    {
        Assert.Equal(HealthStatus.Degraded, Status(State(RaftRole.Follower, null, member: false), Group(), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Degraded_during_an_election_and_unhealthy_after_the_configured_election_timeouts()
    {
        Assert.Equal(HealthStatus.Degraded, Status(State(RaftRole.Candidate, null), Group(), TimeSpan.FromMilliseconds(1799)));
        var result = RaftHealth.Evaluate(State(RaftRole.Candidate, null), Group(), TimeSpan.FromMilliseconds(1800), ElectionTimeout, Options);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("no leader for 1800 ms", result.Description);
    }
}
