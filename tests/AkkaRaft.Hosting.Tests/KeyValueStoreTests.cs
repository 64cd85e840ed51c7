using Akka.Hosting;
using AkkaRaft.Hosting;
using Xunit;

namespace AkkaRaft.Hosting.Tests;

/// <summary>A key-value store of one member, started by <c>WithRaftKeyValueStore</c>, serves a client's put and get.</summary>
public sealed class KeyValueStoreTests : Akka.Hosting.TestKit.TestKit
{
    public KeyValueStoreTests() : base(actorSystemName: "kv-store") { }

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) => builder
        .WithRaftKeyValueStore(o =>
        {
            o.PeerId = "n1";
            o.Members["n1"] = null;
            o.Journal = RaftJournal.InMemory;
        });

    [Fact]
    public async Task Single_member_store_serves_a_put_then_a_get()
    {
        var server = await ActorRegistry.GetAsync<RaftKeyValueStore>(TestContext.Current.CancellationToken);
        Assert.Equal("/user/kv", server.Path.ToStringWithoutAddress());
        var client = Sys.CreateKvClient();
        var put = await client.PutAsync("greeting", "hello", TestContext.Current.CancellationToken);
        Assert.True(put.IsOk, $"put: {put.Outcome}");
        var get = await client.GetAsync("greeting", TestContext.Current.CancellationToken);
        Assert.True(get.IsOk, $"get: {get.Outcome}");
        Assert.Equal("hello", get.Value);
    }
}
