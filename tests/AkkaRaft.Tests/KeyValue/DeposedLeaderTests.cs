using Akka.TestKit.Xunit2;
using AkkaRaft.Actors;
using AkkaRaft.KeyValue;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.KeyValue;

/// <summary>
/// Raft thesis §6.4: a leader that has been deposed, but does not know it yet, must not answer a read from its own,
/// now stale, state. ReadIndex makes it confirm its leadership with a majority first, which it cannot.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class DeposedLeaderTests : Akka.TestKit.Xunit2.TestKit
{
    public DeposedLeaderTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) { }

    [Fact]
    public async Task A_leader_partitioned_into_the_minority_never_serves_the_old_value()
    {
        // Check-quorum off: it would make the old leader step down, and this checks that ReadIndex alone keeps it from
        // serving a stale value while it still believes it leads.
        using var cfg = new KvCluster(Sys, 5, unreliable: false, tune: s => s.WithCheckQuorum(false));
        var all = Enumerable.Range(0, 5).ToArray();
        var writer = cfg.MakeClient(all);
        Assert.True((await writer.PutAsync("k", "old")).IsOk);

        var oldLeader = await cfg.Leader();
        var minority = new[] { oldLeader, (oldLeader + 1) % 5 };
        var majority = all.Except(minority).ToArray();
        cfg.Partition(minority, majority);

        // The majority elects a new leader and commits a new value.
        var majorityClient = cfg.MakeClient(majority);
        Assert.True((await majorityClient.PutAsync("k", "new")).IsOk);
        Assert.Equal("new", (await majorityClient.GetAsync("k")).Value);

        // The old leader still believes it leads (nothing has told it otherwise) ...
        var state = await cfg.GetState(oldLeader);
        Assert.True(state!.IsLeader, "the test needs the old leader to still believe it leads");

        // ... yet a client that can only reach the minority never reads "old" from it: the read cannot complete.
        var stale = cfg.MakeClient(minority, new KvClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(500), OperationTimeout = TimeSpan.FromSeconds(3) });
        var read = await stale.GetAsync("k");
        Assert.Equal(KvOutcome.Timeout, read.Outcome);

        // Once healed, everyone reads the new value.
        cfg.ConnectAll();
        Assert.Equal("new", (await stale.GetAsync("k")).Value);
    }

    [Theory]
    [InlineData(ReadMode.ReadIndex)]
    [InlineData(ReadMode.Lease)]
    public async Task Under_check_quorum_a_leader_partitioned_into_the_minority_steps_down_and_never_serves_the_old_value(ReadMode reads)
    {
        // Raft thesis §6.2: a leader that hears from no majority for an election timeout steps down, so its clients move
        // on. §6.4.1: with lease reads, the majority cannot elect a leader, and so cannot write, before the old leader's
        // lease has run out.
        using var cfg = new KvCluster(Sys, 5, unreliable: false, tune: s => s.WithReads(reads));
        var all = Enumerable.Range(0, 5).ToArray();
        var writer = cfg.MakeClient(all);
        Assert.True((await writer.PutAsync("k", "old")).IsOk);
        var oldLeader = await cfg.Leader();
        var minority = new[] { oldLeader, (oldLeader + 1) % 5 };
        cfg.Partition(minority, all.Except(minority).ToArray());
        var majorityClient = cfg.MakeClient(all.Except(minority).ToArray());
        Assert.True((await majorityClient.PutAsync("k", "new")).IsOk);

        await AwaitAssertAsync(async () => Assert.False((await cfg.GetState(oldLeader))!.IsLeader), TimeSpan.FromSeconds(5));
        var stale = cfg.MakeClient(minority, new KvClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(500), OperationTimeout = TimeSpan.FromSeconds(3) });
        Assert.NotEqual("old", (await stale.GetAsync("k")).Value);
    }
}
