using System.Diagnostics;
using AkkaRaft.Actors;
using AkkaRaft.KeyValue;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Host;

/// <summary>Leadership transfer between Host processes: the `transfer` command, and the hand-over on SIGTERM.</summary>
[Collection(TimingCollection.Name)]
public sealed class LeadershipHandoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ElectionTimeout = TimeSpan.FromMilliseconds(600);

    /// <summary>The longest stretch, from <paramref name="from"/> to <paramref name="to"/>, in which no write was acknowledged.</summary>
    private static TimeSpan LongestPause(KvWorkload workload, long from, long to)
    {
        var acknowledged = workload.History.History.Where(o => !o.OutcomeUnknown && o.Input.Kind != KvOpKind.Get && o.ReturnTime > from && o.ReturnTime < to)
            .Select(o => o.ReturnTime).Order().Prepend(from).Append(to).ToArray();
        return acknowledged.Zip(acknowledged.Skip(1), (earlier, later) => Stopwatch.GetElapsedTime(earlier, later)).Max();
    }

    /// <summary>
    /// How many rolling restarts the rolling-restart test runs: one in the suite; set AKKARAFT_ROLLING_RESTARTS (for
    /// instance 5) to measure the median pause over several.
    /// </summary>
    private static readonly int RollingRestarts =
        int.TryParse(Environment.GetEnvironmentVariable("AKKARAFT_ROLLING_RESTARTS"), out var restarts) && restarts > 0 ? restarts : 1;

    private static double MedianMs(IEnumerable<TimeSpan> pauses)
    {
        var sorted = pauses.Select(p => p.TotalMilliseconds).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private HostCluster? _cluster;

    public async Task InitializeAsync() => _cluster = await HostCluster.Start(output, "cluster-3.hocon");

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task The_transfer_command_makes_the_chosen_node_leader()
    {
        // Reference: Raft thesis §3.10
        var cluster = _cluster!;
        var leader = await cluster.AgreedLeader(Bound);
        var target = cluster.Ids.First(id => id != leader.PeerId);

        var result = await HostProcess.Run(cluster.Directory, Bound, "transfer", "--to", target, "--config", cluster.File.Path);

        output.WriteLine(result.Stdout + result.Stderr);
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"{target} leads at term", result.Stdout);
        var next = await cluster.AgreedLeader(Bound);
        Assert.Equal(target, next.PeerId);
        Assert.True(next.Term > leader.Term, $"{target} leads at term {next.Term}, not after {leader.Term}");
    }

    [Fact]
    public async Task Status_shows_each_role_and_how_long_ago_the_leader_heard_from_each_follower()
    {
        var cluster = _cluster!;
        var leader = await cluster.AgreedLeader(Bound);

        var result = await HostProcess.Run(cluster.Directory, Bound, "status", "--config", cluster.File.Path);

        output.WriteLine(result.Stdout);
        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var leaderLine = Assert.Single(lines, l => l.StartsWith(leader.PeerId + " ", StringComparison.Ordinal));
        Assert.Contains(" leader ", leaderLine);
        foreach (var follower in cluster.Ids.Where(id => id != leader.PeerId))
            Assert.Matches($@"{follower} \d+ ms", leaderLine);
        Assert.All(lines.Skip(1).Where(l => l != leaderLine), l => Assert.Contains(" follower ", l));
    }

    [Fact]
    public async Task The_transfer_command_refuses_an_unknown_node_naming_it()
    {
        var cluster = _cluster!;
        await cluster.AgreedLeader(Bound);

        var result = await HostProcess.Run(cluster.Directory, Bound, "transfer", "--to", "n9", "--config", cluster.File.Path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--to n9", result.Stderr);
    }

    [Fact]
    public async Task A_leader_stopped_with_SIGTERM_hands_leadership_over_before_it_exits()
    {
        // Reference: Raft thesis §3.10 (transfer before a planned shutdown, so clients need not wait for a timeout)
        var cluster = _cluster!;
        var leader = await cluster.AgreedLeader(Bound);

        var exit = await cluster.Process(leader.PeerId).TerminateAsync(Bound);

        Assert.Equal(0, exit);
        var said = cluster.Process(leader.PeerId).Lines.FirstOrDefault(l => l.Contains("handed leadership to", StringComparison.Ordinal));
        Assert.True(said is not null, $"{leader.PeerId} did not say it handed leadership over:\n{string.Join("\n", cluster.Process(leader.PeerId).Lines.TakeLast(20))}");
        output.WriteLine(said);
        var survivors = cluster.Ids.Where(id => id != leader.PeerId).ToArray();
        var next = await cluster.AgreedLeader(Bound, survivors);
        Assert.Contains(next.PeerId, said);
    }

    [Fact]
    public async Task A_transfer_under_write_load_moves_leadership_and_loses_no_acknowledged_write()
    {
        // Reference: Raft thesis §3.10 (transfer), §6.3 (each write applied once), linearizability of the whole history
        var cluster = _cluster!;
        var workload = KvWorkload.Start(cluster, 4);
        await workload.WaitForWrites(10, 0, Bound, "acknowledged before the transfer");
        var leader = await cluster.AgreedLeader(Bound);
        var target = cluster.Ids.First(id => id != leader.PeerId);

        var asked = Stopwatch.GetTimestamp();
        var result = await HostProcess.Run(cluster.Directory, Bound, "transfer", "--to", target, "--config", cluster.File.Path);
        output.WriteLine(result.Stdout + result.Stderr);
        Assert.Equal(0, result.ExitCode);
        await workload.WaitForWrites(10, Stopwatch.GetTimestamp(), Bound, $"acknowledged by {target}");

        output.WriteLine($"longest pause in acknowledged writes around the transfer: {LongestPause(workload, asked, Stopwatch.GetTimestamp()).TotalMilliseconds:F0} ms");
        Assert.Equal(target, (await cluster.AgreedLeader(Bound)).PeerId);
        await workload.StopAndCheck(output);
    }

    [Fact]
    public async Task A_rolling_restart_under_write_load_hands_leadership_over_instead_of_waiting_for_an_election()
    {
        // Reference: Raft thesis §3.10 (transfer before a planned restart: clients see a hand-over, not a timeout)
        var cluster = _cluster!;
        var workload = KvWorkload.Start(cluster, 4);
        await workload.WaitForWrites(10, 0, Bound, "acknowledged before the restarts");
        var pauses = new List<(int Restart, string Node, bool Led, TimeSpan Pause)>();
        for (var restart = 1; restart <= RollingRestarts; restart++)
            foreach (var id in cluster.Ids.ToArray())
            {
                var led = (await cluster.State(id))?.IsLeader == true;
                var stopped = Stopwatch.GetTimestamp();
                Assert.Equal(0, await cluster.Terminate(id));
                await workload.WaitForWrites(5, Stopwatch.GetTimestamp(), Bound, $"acknowledged with {id} stopped");
                pauses.Add((restart, id, led, LongestPause(workload, stopped, Stopwatch.GetTimestamp())));
                await cluster.StartNode(id);
                await HostCluster.Eventually(Bound, $"{id} follows a leader again", async () => await cluster.State(id) is { LeaderId: not null } s ? s : null);
            }

        foreach (var (restart, node, led, pause) in pauses)
            output.WriteLine($"restart {restart}, stopping {node}{(led ? " (the leader)" : "")}: longest pause in acknowledged writes {pause.TotalMilliseconds:F0} ms");
        var leaderStops = pauses.Where(p => p.Led).Select(p => p.Pause).ToArray();
        Assert.NotEmpty(leaderStops);
        output.WriteLine($"over {RollingRestarts} rolling restart(s): median pause {MedianMs(leaderStops):F0} ms over {leaderStops.Length} leader stops " +
                         $"({leaderStops.Min().TotalMilliseconds:F0}-{leaderStops.Max().TotalMilliseconds:F0} ms), " +
                         $"{MedianMs(pauses.Select(p => p.Pause)):F0} ms over all {pauses.Count} stops");
        foreach (var (restart, node, _, pause) in pauses.Where(p => p.Led))
            Assert.True(pause < ElectionTimeout,
                $"stopping the leader {node} in restart {restart} paused writes for {pause.TotalMilliseconds:F0} ms, as long as an election timeout ({ElectionTimeout.TotalMilliseconds:F0} ms)");
        await workload.StopAndCheck(output);
    }
}
