using AkkaRaft.Actors;
using AkkaRaft.KeyValue;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.KeyValue;

/// <summary>
/// The key-value store with lease reads (Raft thesis §6.4.1) on real time: histories stay linearizable through
/// partitions, crashes and an unreliable network, and a leader cut off into the minority serves no stale value.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class LeaseReadKvTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestOutputHelper _output;

    public LeaseReadKvTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) => _output = output;

    private static RaftSettings LeaseReads(RaftSettings settings) => settings.WithReads(ReadMode.Lease);

    [Fact]
    public Task Partitions_restarts_and_an_unreliable_network_leave_lease_read_histories_linearizable() =>
        // Reference: Raft thesis §6.4.1 (reads served under a lease are linearizable while clocks drift within the bound)
        new KvGenericTest(Sys, _output).Run(nameof(Partitions_restarts_and_an_unreliable_network_leave_lease_read_histories_linearizable),
            nclients: 15, nservers: 5, unreliable: true, crash: true, partitions: true, maxRaftState: -1, randomKeys: true, tune: LeaseReads);

    [Fact]
    public async Task A_leader_partitioned_into_the_minority_never_serves_the_old_value_from_its_lease()
    {
        // Reference: Raft thesis §6.4.1: the majority cannot elect a leader, and so cannot write, before the old
        // leader's lease has run out; after that the old leader confirms nothing and steps down (check-quorum)
        using var cfg = new KvCluster(Sys, 5, unreliable: false, tune: LeaseReads);
        var all = Enumerable.Range(0, 5).ToArray();
        var writer = cfg.MakeClient(all);
        Assert.True((await writer.PutAsync("k", "old")).IsOk);
        var oldLeader = await cfg.Leader();
        var minority = new[] { oldLeader, (oldLeader + 1) % 5 };
        var majority = all.Except(minority).ToArray();
        var stale = cfg.MakeClient(minority, new KvClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(200), OperationTimeout = TimeSpan.FromSeconds(3) });
        Assert.Equal("old", (await stale.GetAsync("k")).Value); // served from the lease while nothing is cut

        cfg.Partition(minority, majority);
        var majorityClient = cfg.MakeClient(majority);
        Assert.True((await majorityClient.PutAsync("k", "new")).IsOk);

        // A read that starts after "new" was acknowledged must not return "old": it times out, or, once the old leader
        // has stepped down and the minority can elect nobody, keeps failing.
        var after = await stale.GetAsync("k");
        _output.WriteLine($"a read from the cut-off side after the write: {after.Outcome} {after.Value}");
        Assert.NotEqual("old", after.Value);
        cfg.ConnectAll();
        Assert.Equal("new", (await stale.GetAsync("k")).Value);
    }
}
