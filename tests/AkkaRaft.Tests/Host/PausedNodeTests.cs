using System.Diagnostics;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// Nodes paused with SIGSTOP, as a long garbage collection, a swapped-out process or a stopped VM would pause them:
/// pre-vote keeps a resumed follower from deposing the leader, check-quorum makes a leader without its majority say
/// so. Three Host processes of hocon/cluster-3.hocon (election timeout 300-600 ms).
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class PausedNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Paused = TimeSpan.FromSeconds(3);

    /// <summary>Slack for how the test observes a step-down: status over Akka.Remote, on a shared two-core machine.</summary>
    private static readonly TimeSpan ObservationSlack = TimeSpan.FromSeconds(1);

    private HostCluster? _cluster;

    public async Task InitializeAsync() => _cluster = await HostCluster.Start(output, "cluster-3.hocon");

    public async Task DisposeAsync()
    {
        if (_cluster is null) return;
        foreach (var id in _cluster.Ids)
        {
            // A paused process cannot be stopped cleanly; resume it first.
            if (!_cluster.Process(id).HasExited) await _cluster.Process(id).SignalAsync("CONT");
        }
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_follower_paused_for_3_s_and_resumed_leaves_the_leader_and_its_term_unchanged()
    {
        // Reference: Raft thesis §9.6 (pre-vote: a server that rejoins does not disrupt the cluster)
        var cluster = _cluster!;
        var before = await cluster.AgreedLeader(Bound);
        var follower = cluster.Ids.First(id => id != before.PeerId);

        await cluster.Process(follower).SignalAsync("STOP");
        await Task.Delay(Paused);
        await cluster.Process(follower).SignalAsync("CONT");
        await Task.Delay(Paused); // the scenario: status 3 s after the resume

        var after = await cluster.Agreed(Bound);
        output.WriteLine(HostCluster.Describe(after));
        Assert.All(after.Values, s => Assert.Equal((before.PeerId, before.Term), (s.LeaderId, s.Term)));
    }

    [Fact]
    public async Task With_both_followers_paused_the_leader_reports_itself_not_leader_within_2_s()
    {
        // Reference: Raft thesis §6.2 (check-quorum: a leader steps down after an election timeout without a majority)
        var cluster = _cluster!;
        var leader = await cluster.AgreedLeader(Bound);
        var followers = cluster.Ids.Where(id => id != leader.PeerId).ToArray();

        foreach (var id in followers) await cluster.Process(id).SignalAsync("STOP");
        var paused = Stopwatch.StartNew();
        var state = await HostCluster.Eventually(Bound, $"{leader.PeerId} reports itself not leader", async () =>
            await cluster.State(leader.PeerId) is { IsLeader: false } s ? s : null);
        var took = paused.Elapsed;
        foreach (var id in followers) await cluster.Process(id).SignalAsync("CONT");

        output.WriteLine($"{leader.PeerId} reported {state.Role} at term {state.Term} {took.TotalSeconds:F2} s after both followers were paused");
        Assert.True(took <= TimeSpan.FromSeconds(2) + ObservationSlack, $"{leader.PeerId} still reported itself leader {took.TotalSeconds:F2} s after losing its majority");
        await cluster.AgreedLeader(Bound);
    }
}
