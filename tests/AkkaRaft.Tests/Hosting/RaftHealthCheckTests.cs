using Akka.Hosting;
using AkkaRaft.Actors;
using AkkaRaft.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AkkaRaft.Tests.Hosting;

/// <summary>
/// The health check on live peers that cannot have a leader: one of three members whose two others do not exist (no
/// quorum), and one that waits to be added to a group.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class RaftHealthCheckTests : IAsyncLifetime
{
    /// <summary>Registry key of the peer without a quorum.</summary>
    public sealed class Stranded;

    /// <summary>Registry key of the peer waiting to be added.</summary>
    public sealed class Joining;

    private HostedAkka _host = null!;

    public async Task InitializeAsync() =>
        _host = await HostedAkka.StartAsync("raft-health", builder => builder
            .WithRaft<Stranded>(new RaftOptions
            {
                PeerId = "n1",
                ClusterId = "stranded",
                ActorName = "stranded",
                Members = new Dictionary<string, string?>
                {
                    ["n1"] = null,
                    ["n2"] = "akka://raft-health/user/nobody-n2",
                    ["n3"] = "akka://raft-health/user/nobody-n3",
                },
                ElectionTimeoutMin = TimeSpan.FromMilliseconds(100),
                ElectionTimeoutMax = TimeSpan.FromMilliseconds(200),
                HeartbeatInterval = TimeSpan.FromMilliseconds(40),
                Journal = RaftJournal.InMemory,
            })
            .WithRaftHealthCheck<Stranded>(new RaftHealthCheckOptions { UnhealthyAfterElectionTimeouts = 10 }, name: "stranded")
            .WithRaft<Joining>(new RaftOptions
            {
                PeerId = "n4",
                ClusterId = "joining",
                ActorName = "joining",
                Join = true,
                Members = new Dictionary<string, string?> { ["n1"] = "akka://raft-health/user/nobody-n1" },
                Journal = RaftJournal.InMemory,
            })
            .WithRaftHealthCheck<Joining>(name: "joining"));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Unhealthy_after_no_leader_for_the_configured_election_timeouts()
    {
        await _host.Registry.GetAsync<Stranded>();
        // Ten election timeouts of 200 ms: the first check comes well before them, with an election under way.
        var first = await _host.CheckAsync("stranded");
        Assert.True(first.Status == HealthStatus.Degraded, $"{first.Status}: {first.Description}");
        var last = first;
        await HostedAkka.Until(TimeSpan.FromSeconds(10), async () =>
        {
            last = await _host.CheckAsync("stranded");
            return last.Status == HealthStatus.Unhealthy;
        }, () => $"{last.Status}: {last.Description}");
        Assert.Contains("known no leader", last.Description);
        Assert.Contains("10 election timeouts are 2000 ms", last.Description);
    }

    [Fact]
    public async Task Degraded_while_waiting_to_be_added_to_a_group()
    {
        var peer = await _host.Registry.GetAsync<Joining>();
        var state = await peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(3));
        Assert.False(state.IsMember);
        var entry = await _host.CheckAsync("joining");
        Assert.True(entry.Status == HealthStatus.Degraded, $"{entry.Status}: {entry.Description}");
        Assert.Contains("waits to be added", entry.Description);
    }
}
