using Akka.TestKit.Xunit2;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.KeyValue;

[Collection(TimingCollection.Name)]
public sealed class KvSmokeTests : Akka.TestKit.Xunit2.TestKit
{
    public KvSmokeTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) { }

    [Fact]
    public async Task Put_append_get_through_the_leader_and_after_it_fails()
    {
        using var cfg = new KvCluster(Sys, 3, unreliable: false);
        var client = cfg.MakeClient([0, 1, 2]);
        Assert.True((await client.PutAsync("k", "a")).IsOk);
        Assert.True((await client.AppendAsync("k", "b")).IsOk);
        Assert.Equal("ab", (await client.GetAsync("k")).Value);
        Assert.Null((await client.GetAsync("absent")).Value);

        var leader = await cfg.Leader();
        await cfg.ShutdownServer(leader);
        Assert.True((await client.AppendAsync("k", "c")).IsOk);
        Assert.Equal("abc", (await client.GetAsync("k")).Value);
    }
}
