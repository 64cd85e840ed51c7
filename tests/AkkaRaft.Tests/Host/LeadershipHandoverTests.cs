using AkkaRaft.Actors;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Host;

/// <summary>Leadership transfer between Host processes: the `transfer` command, and the hand-over on SIGTERM.</summary>
[Collection(TimingCollection.Name)]
public sealed class LeadershipHandoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
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
}
