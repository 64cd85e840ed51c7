using AkkaRaft.Actors;
using AkkaRaft.KeyValue;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Metrics;

/// <summary>The key-value store's metrics: requests by operation and result, and retries answered from the session table.</summary>
[Collection(TimingCollection.Name)]
public sealed class KvMetricsTests : Akka.TestKit.Xunit2.TestKit
{
    public KvMetricsTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) { }

    [Fact]
    public async Task A_put_and_its_retry_are_counted_as_requests_and_the_retry_as_a_dedup_hit()
    {
        // Reference: Raft thesis §6.3: a retried write the session table shows applied is answered without applying it again
        using var cfg = new KvCluster(Sys, 3, unreliable: false);
        using var metrics = new MetricsRecorder(cfg.Settings.ClusterId);
        var client = cfg.MakeClient([0, 1, 2]);
        Assert.True((await client.PutAsync("k", "v")).IsOk);
        var leaderIndex = await cfg.Leader();
        var leader = KvCluster.Id(leaderIndex);
        bool PutOk(MetricsRecorder.Recorded r) => r.Tag("raft.kv.operation") == "put" && r.Tag("raft.kv.result") == "ok";
        // The client's own attempts may already have been retried on a slow machine: count from here.
        var (dedupBefore, putsBefore) = (metrics.Total("raft.kv.dedup_hits", leader), metrics.Total("raft.kv.requests", leader, PutOk));
        Assert.True(putsBefore >= 1, "the put should have been answered by the leader");

        var retry = await cfg.Send(client, leaderIndex, new KvRequest(client.SessionId, 1, KvOperation.Put, "k", "v"));
        Assert.Equal(KvStatus.Ok, retry.Status);

        Assert.Equal(dedupBefore + 1, metrics.Total("raft.kv.dedup_hits", leader));
        Assert.Equal(putsBefore + 1, metrics.Total("raft.kv.requests", leader, PutOk));
        Assert.True(metrics.Total("raft.kv.requests", leader, r => r.Tag("raft.kv.operation") == "register" && r.Tag("raft.kv.result") == "ok") >= 1);
        Assert.Contains(metrics.Of("raft.apply.duration"), r => r.Tag(RaftMetrics.NodeTag) == leader);
        Assert.Equal("v", (await client.GetAsync("k")).Value);
        Assert.True(metrics.Total("raft.kv.requests", leader, r => r.Tag("raft.kv.operation") == "get" && r.Tag("raft.kv.result") == "ok") >= 1);
        Assert.Contains(metrics.Of("raft.read_index.duration"), r => r.Tag(RaftMetrics.NodeTag) == leader);
    }
}
