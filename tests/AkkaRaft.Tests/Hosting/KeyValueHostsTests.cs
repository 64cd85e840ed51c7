using Akka.Hosting;
using Akka.Remote.Hosting;
using AkkaRaft.Hosting;
using AkkaRaft.KeyValue;
using AkkaRaft.Tests.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Hosting;

/// <summary>
/// Three generic hosts in one process, each with its own ActorSystem on Akka.Remote over loopback and a RocksDB journal
/// in a temporary directory, started by WithRaftKeyValueStore as an application would: they elect a leader and serve a
/// put on one node and a get on another through KvClient, and every node's health check turns Healthy.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class KeyValueHostsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), $"hosting-kv-{Guid.NewGuid():N}");
    private readonly List<IHost> _hosts = [];

    /// <summary>One node of the sample: what a Program.cs of the application would build.</summary>
    private static IHost BuildNode(string id, IReadOnlyDictionary<string, int> ports, string dataDir) =>
        Microsoft.Extensions.Hosting.Host.CreateDefaultBuilder()
            .ConfigureServices(services =>
            {
                services.AddHealthChecks();
                services.AddAkka("kv", builder => builder
                    .WithRemoting("127.0.0.1", ports[id])
                    .WithRaftKeyValueStore(o =>
                    {
                        o.PeerId = id;
                        o.ClusterId = "hosted-kv";
                        foreach (var (member, port) in ports)
                            o.Members[member] = $"akka.tcp://kv@127.0.0.1:{port}/user/kv";
                        o.Journal = RaftJournal.RocksDb(dataDir);
                    })
                    .WithRaftHealthCheck<RaftKeyValueStore>());
            })
            .Build();

    public async Task InitializeAsync()
    {
        var free = HostCluster.FreePorts(3);
        var ports = new Dictionary<string, int> { ["n1"] = free[0], ["n2"] = free[1], ["n3"] = free[2] };
        foreach (var id in ports.Keys)
            _hosts.Add(BuildNode(id, ports, Path.Combine(_dataRoot, id)));
        await Task.WhenAll(_hosts.Select(h => h.StartAsync()));
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_hosts.Select(async h =>
        {
            await h.StopAsync();
            h.Dispose();
        }));
        try
        {
            Directory.Delete(_dataRoot, recursive: true);
        }
        catch (IOException)
        {
            // A database file still closing: the temporary directory is cleaned up later.
        }
    }

    [Fact]
    public async Task Three_hosted_servers_elect_a_leader_and_serve_a_put_and_a_get()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var host in _hosts)
            await host.Services.GetRequiredService<IRequiredActor<RaftKeyValueStore>>().GetAsync();

        var writer = _hosts[0].Services.GetRequiredService<ActorSystem>().CreateKvClient();
        var put = await writer.PutAsync("greeting", "hello from n1");
        Assert.True(put.IsOk, $"put: {put.Outcome}");
        output.WriteLine($"put answered {clock.ElapsedMilliseconds} ms after the hosts started");

        var reader = _hosts[2].Services.GetRequiredService<ActorSystem>().CreateKvClient();
        var get = await reader.GetAsync("greeting");
        Assert.True(get.IsOk, $"get: {get.Outcome}");
        Assert.Equal("hello from n1", get.Value);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var statuses = "";
        while (true)
        {
            var reports = await Task.WhenAll(_hosts.Select(h => h.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("raft"))));
            statuses = string.Join("; ", reports.Select(r => string.Join(", ", r.Entries.Select(e => $"{e.Key} {e.Value.Status}: {e.Value.Description}"))));
            if (reports.All(r => r.Entries.Count == 1 && r.Entries.ContainsKey("raft-kv") && r.Status == HealthStatus.Healthy)) break;
            Assert.True(DateTime.UtcNow < deadline, $"not every node is healthy: {statuses}");
            await Task.Delay(100);
        }
        output.WriteLine(statuses);
        Assert.Single(statuses.Split("; "), s => s.Contains(" leads term "));
    }
}
