using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// <c>node --metrics-port</c> on real processes: each node serves the AkkaRaft meter for Prometheus, and a survivor's
/// scrape shows a failover (a newer term, one more leader change) after the leader is killed with SIGKILL.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class HostMetricsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Dictionary<string, int> _metricsPorts = new(StringComparer.Ordinal);
    private HostCluster? _cluster;

    public async Task InitializeAsync()
    {
        var ports = HostCluster.FreePorts(3);
        foreach (var (id, port) in new[] { "n1", "n2", "n3" }.Zip(ports)) _metricsPorts[id] = port;
        _cluster = await HostCluster.Start(output, "cluster-3.hocon",
            nodeArguments: id => ["--metrics-port", _metricsPorts[id].ToString(CultureInfo.InvariantCulture)]);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Every_node_serves_term_role_and_commit_index_and_a_survivor_shows_the_failover()
    {
        var cluster = _cluster!;
        var leader = await cluster.AgreedLeader(Bound);
        foreach (var id in cluster.Ids)
        {
            var page = await Scrape(id);
            foreach (var metric in new[] { "raft_term", "raft_role", "raft_log_commit_index" })
                Assert.True(Value(page, metric, id) is not null, $"{id}'s /metrics has no {metric} for it:\n{page}");
        }
        var survivor = cluster.Ids.First(id => id != leader.PeerId);
        var before = await Scrape(survivor);
        var (termBefore, changesBefore) = (Value(before, "raft_term", survivor)!.Value, Value(before, "raft_leader_changes_total", survivor) ?? 0);
        Assert.Equal(leader.Term, termBefore);
        output.WriteLine($"{leader.PeerId} leads at term {leader.Term}; {survivor} counted {changesBefore} leader change(s)");

        await cluster.Kill9(leader.PeerId);
        var next = await cluster.AgreedLeader(Bound, cluster.Ids.Where(id => id != leader.PeerId));

        // The exporter may serve a scrape cached for a moment: poll until the survivor's page shows the new term.
        var after = await HostCluster.Eventually(TimeSpan.FromSeconds(10), $"{survivor}'s /metrics shows term {next.Term}", async () =>
        {
            var page = await Scrape(survivor);
            return Value(page, "raft_term", survivor) >= next.Term ? page : null;
        });
        var changesAfter = Value(after, "raft_leader_changes_total", survivor) ?? 0;
        output.WriteLine($"{next.PeerId} leads at term {next.Term}; {survivor} counted {changesAfter} leader change(s)");
        Assert.True(Value(after, "raft_term", survivor) > termBefore);
        Assert.True(changesAfter > changesBefore, $"{survivor}'s leader changes should have grown past {changesBefore}, are {changesAfter}");
    }

    private async Task<string> Scrape(string id) => await Http.GetStringAsync($"http://localhost:{_metricsPorts[id]}/metrics");

    /// <summary>The value of <paramref name="metric"/> tagged with node <paramref name="id"/> in a Prometheus page, if any.</summary>
    private static double? Value(string page, string metric, string id)
    {
        var match = Regex.Match(page, $@"^{Regex.Escape(metric)}\{{[^}}]*raft_node=""{Regex.Escape(id)}""[^}}]*\}} (\S+)", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }
}
