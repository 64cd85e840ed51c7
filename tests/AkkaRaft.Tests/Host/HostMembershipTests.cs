using System.Diagnostics;
using System.Text.RegularExpressions;
using AkkaRaft.Actors;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// Membership changes of real Host processes, made with the Host's own commands (<c>add</c>, <c>remove</c>,
/// <c>members</c>, <c>node --join</c>) while concurrent clients write: no acknowledged write is lost, and the history
/// stays linearizable.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class HostMembershipTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Generous bound on every wait and command: a busy two-core machine is slow, a broken group never gets there.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private const int WritesPerPhase = 20;

    /// <summary>Snapshots every 30 entries, so a node added later is brought up to date by a snapshot.</summary>
    private const string Snapshots = "akka.raft.snapshot.log-entries = 30";

    private HostCluster? _cluster;
    private int? _scriptNode;

    public async Task InitializeAsync() => _cluster = await HostCluster.Start(output, "cluster-3.hocon", Snapshots);

    public async Task DisposeAsync()
    {
        if (_scriptNode is { } pid) KillOwn(pid);
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    /// <summary>
    /// Raft thesis §4.1-§4.2: a dead node is replaced with the commands alone (scripts/replace-node.sh): it is removed,
    /// a new node starts empty with <c>--join</c>, learns the group from the leader that adds it, catches up by
    /// snapshot and is promoted; then the leader is killed, and the group of the two survivors and the new node elects
    /// another. Every acknowledged write is found.
    /// </summary>
    [Fact]
    public async Task A_dead_node_is_replaced_with_the_cli_alone_and_the_new_group_survives_its_leader()
    {
        var cluster = _cluster!;
        await cluster.AgreedLeader(Bound);
        var n4 = cluster.Reserve("n4");
        var workload = KvWorkload.Start(cluster, 4);
        var start = Stopwatch.GetTimestamp();
        await workload.WaitForWrites(3 * WritesPerPhase, start, Bound, "before n3 dies");

        var script = Path.Combine(AppContext.BaseDirectory, "scripts", "replace-node.sh");
        var replaced = await Run(cluster.Directory, "bash", script, cluster.File.Path, "n3", cluster.Process("n3").ProcessId.ToString(),
            cluster.DataDirectory("n3"), "n4", $"{n4.Host}:{n4.Port}", cluster.DataDirectory("n4"), "dotnet", HostDll);
        if (Regex.Match(replaced.Stdout, @"started n4, pid (\d+)") is { Success: true } started) _scriptNode = int.Parse(started.Groups[1].Value);
        Assert.True(replaced.ExitCode == 0, $"replace-node.sh exited {replaced.ExitCode}: {replaced.Stderr}");
        Assert.Contains("removed n3", replaced.Stdout);
        Assert.Contains("added n4 as a voter", replaced.Stdout);
        Assert.Equal(["n1", "n2", "n4"], (await Voters(cluster)).Order());
        // The leader's log was compacted long before n4 came: n4 was brought up to date by the leader's snapshot.
        var installed = await HostCluster.Eventually(Bound, "n4 installs a snapshot from the leader", () =>
        {
            var log = Path.Combine(cluster.DataDirectory("n4"), "n4.log");
            var line = File.Exists(log) ? File.ReadLines(log).FirstOrDefault(l => l.Contains("n4 installed a snapshot from", StringComparison.Ordinal)) : null;
            return Task.FromResult(line);
        });
        output.WriteLine(installed[(installed.IndexOf("n4 installed", StringComparison.Ordinal))..]);

        var afterAdd = Stopwatch.GetTimestamp();
        await workload.WaitForWrites(WritesPerPhase, afterAdd, Bound, "after n4 was added");
        var leader = await cluster.AgreedLeader(Bound, ["n1", "n2", "n4"]);
        if (leader.PeerId == "n4") KillOwn(_scriptNode!.Value);
        else await cluster.Kill9(leader.PeerId);
        var survivors = new[] { "n1", "n2", "n4" }.Where(id => id != leader.PeerId).ToArray();
        var next = await cluster.AgreedLeader(Bound, survivors);
        output.WriteLine($"killed leader {leader.PeerId}; {next.PeerId} leads at term {next.Term}");

        await workload.WaitForWrites(WritesPerPhase, Stopwatch.GetTimestamp(), Bound, $"after {leader.PeerId} died");
        await workload.StopAndCheck(output);
    }

    /// <summary>
    /// One group of real processes changed by the commands, for three properties that each need one (a group of Host
    /// processes takes many seconds to start on a busy two-core machine):
    /// <list type="bullet">
    /// <item>Raft thesis §4.1: the group grows from three voters to five and shrinks back to three, one change at a time,
    /// under write load.</item>
    /// <item>Raft thesis §4.2.2: the last removal is of the leader itself, under write load; it leads until the change
    /// commits without counting itself, hands over and steps down; the others go on, and status shows it is no longer a
    /// member.</item>
    /// <item>Raft thesis §4.1: nodes restarted after the changes recover the configuration from their own journals (and
    /// snapshots): the joined node comes back with the same command (its data directory recorded the group), and a node
    /// of the cluster file knows the member the file does not list.</item>
    /// </list>
    /// </summary>
    [Fact]
    public async Task The_group_grows_to_five_and_back_to_three_the_leader_removing_itself_under_write_load_and_restarted_nodes_recover_the_configuration()
    {
        var cluster = _cluster!;
        await cluster.AgreedLeader(Bound);
        var joiners = new[] { cluster.Reserve("n4"), cluster.Reserve("n5") };
        var workload = KvWorkload.Start(cluster, 4);
        // Both joiners start while the first writes go on; each then waits, unadded, for the leader to add it.
        var starting = Task.WhenAll(joiners.Select(node => cluster.StartNode(node.Id)));
        await workload.WaitForWrites(WritesPerPhase, Stopwatch.GetTimestamp(), Bound, "before the changes");
        await starting;

        // Three voters to five.
        foreach (var node in joiners) await Cli(cluster, 0, "add", node.Id, $"{node.Host}:{node.Port}");
        Assert.Equal(["n1", "n2", "n3", "n4", "n5"], (await Voters(cluster)).Order());
        Assert.True(File.Exists(Path.Combine(cluster.DataDirectory("n4"), "n4.cluster-id")));
        await workload.WaitForWrites(WritesPerPhase, Stopwatch.GetTimestamp(), Bound, "with five voters");

        // Five to four, then to three by the leader removing itself.
        await Cli(cluster, 0, "remove", "n5");
        var four = new[] { "n1", "n2", "n3", "n4" };
        var leader = await SteadyLeader(cluster, four);
        var removed = await Cli(cluster, 0, "remove", leader.PeerId);
        // The leader made the change that removed it (had leadership moved meanwhile, this would test something else).
        Assert.Contains($"removed {leader.PeerId} at index", removed);
        Assert.Contains($"(leader {leader.PeerId})", removed);
        var left = four.Where(id => id != leader.PeerId).ToArray();
        var next = await cluster.AgreedLeader(Bound, left);
        Assert.NotEqual(leader.PeerId, next.PeerId);
        Assert.Equal(left, (await Voters(cluster)).Order());
        // It knows: it appended the configuration without itself, then stepped down.
        var old = await HostCluster.Eventually(Bound, $"{leader.PeerId} steps down, no longer a member",
            async () => await cluster.State(leader.PeerId) is { IsLeader: false, IsMember: false } s ? s : null);
        output.WriteLine($"{old.PeerId} is a {old.Role.ToString().ToLowerInvariant()} at term {old.Term}, not a member; {next.PeerId} leads at term {next.Term}");
        var status = await Cli(cluster, 0, "status");
        Assert.Matches($@"(?m)^{leader.PeerId} .*not a member", status);

        await workload.WaitForWrites(WritesPerPhase, Stopwatch.GetTimestamp(), Bound, $"with three voters again, after {leader.PeerId} left");
        await workload.StopAndCheck(output);

        // The restarts, both at once: the joined node and a node of the cluster file that does not lead.
        next = await cluster.AgreedLeader(Bound, left);
        var fileNode = left.First(id => id != "n4" && id != next.PeerId);
        string[] restarted = ["n4", fileNode];
        foreach (var id in restarted) await cluster.Kill9(id);
        await Task.WhenAll(restarted.Select(cluster.StartNode));

        var agreed = await cluster.Agreed(Bound, left);
        Assert.All(agreed.Values, s => Assert.True(s.IsMember, $"{s.PeerId} is not a member"));
        var seen = await cluster.Clients.ActorSelection(cluster.Address(fileNode).ServerPath).Ask<Members>(GetMembers.Instance, Bound);
        Assert.True(seen.IsVoter("n4"), $"{fileNode} sees {seen}");
        Assert.Equal(left, seen.List.Where(m => m.IsVoter).Select(m => m.Id).Order());
        output.WriteLine($"after their restarts {string.Join(" and ", restarted)} agree; {fileNode} sees {seen}");
    }

    /// <summary>
    /// A leader that every node has followed, in one term, for a second, and that heard from each follower within the
    /// last election timeout: one that is not about to lose leadership to a slow start.
    /// </summary>
    private static async Task<RaftState> SteadyLeader(HostCluster cluster, IReadOnlyList<string> ids)
    {
        var first = await cluster.AgreedLeader(Bound, ids);
        var since = Stopwatch.StartNew();
        return await HostCluster.Eventually(Bound, "a steady leader", async () =>
        {
            var now = await cluster.AgreedLeader(Bound, ids);
            if (now.PeerId != first.PeerId || now.Term != first.Term)
            {
                first = now;
                since.Restart();
                return null;
            }
            var heard = now.Followers is { } followers && followers.All(f => f.SinceHeard < TimeSpan.FromMilliseconds(300));
            return since.Elapsed >= TimeSpan.FromSeconds(1) && heard ? now : null;
        });
    }

    private static string HostDll => Path.Combine(AppContext.BaseDirectory, "AkkaRaft.Host.dll");

    /// <summary>Runs a Host command against the cluster file, expects <paramref name="exit"/>, and returns its output.</summary>
    private async Task<string> Cli(HostCluster cluster, int exit, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var result = await HostProcess.Run(cluster.Directory, Bound, [.. args, "--config", cluster.File.Path]);
        output.WriteLine($"$ {string.Join(" ", args)}  ({clock.ElapsedMilliseconds} ms, exit {result.ExitCode})\n{result.Stdout}{result.Stderr}");
        Assert.True(result.ExitCode == exit, $"{string.Join(" ", args)} exited {result.ExitCode}, not {exit}: {result.Stderr}");
        return result.Stdout;
    }

    /// <summary>The voters of the latest configuration, as the `members` command reports them.</summary>
    private async Task<string[]> Voters(HostCluster cluster)
    {
        var table = await Cli(cluster, 0, "members");
        return Regex.Matches(table, @"(?m)^(\S+)\s+\S+\s+voter\b").Select(m => m.Groups[1].Value).ToArray();
    }

    private async Task<HostProcess.Result> Run(string directory, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new XunitException($"could not start {file}");
        var (stdout, stderr) = (process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        using var cancel = new CancellationTokenSource(Bound * 3);
        await process.WaitForExitAsync(cancel.Token);
        var result = new HostProcess.Result(process.ExitCode, await stdout, await stderr);
        output.WriteLine($"$ {file} {string.Join(" ", args)}  (exit {result.ExitCode})\n{result.Stdout}{result.Stderr}");
        return result;
    }

    /// <summary>Kills a node the script started, if it is still the Host process of this test's directory.</summary>
    private void KillOwn(int pid)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
            if (_cluster is null || !commandLine.Contains(_cluster.Directory, StringComparison.Ordinal)) return;
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(30));
            output.WriteLine($"killed n4 (pid {pid}) with SIGKILL");
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
        {
            // It exited already.
        }
    }
}
