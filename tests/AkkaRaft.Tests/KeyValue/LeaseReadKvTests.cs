using AkkaRaft.Actors;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.KeyValue;

/// <summary>
/// The key-value store with lease reads (Raft thesis §6.4.1) on real time: histories stay linearizable through
/// partitions, crashes and an unreliable network. (A leader cut off into the minority: <see cref="DeposedLeaderTests"/>.)
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
}
