using Akka.TestKit.Xunit2;
using AkkaRaft.TestKit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.KeyValue;

/// <summary>
/// Ports of the lab's part 3B tests (the key-value service with snapshots, Raft paper §7), names kept. The lab's
/// maxraftstate is <see cref="KvCluster"/>'s snapshot threshold; the persisted Raft state beyond the snapshot must stay
/// under 8 times it. Every test records its history and checks it for linearizability. Set AKKARAFT_LAB_SEED to replay.
/// </summary>
[Collection(KvLab3BCollection.Name)]
public sealed class KvSnapshotLabTests : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>The lab's maxraftstate for part 3B, in bytes.</summary>
    private const int MaxRaftState = 1000;

    private readonly ITestOutputHelper _output;
    private readonly KvGenericTest _generic;

    public KvSnapshotLabTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output)
    {
        _output = output;
        _generic = new KvGenericTest(Sys, output);
    }

    /// <summary>
    /// A follower partitioned away falls behind past the leader's snapshot; when it is needed for a majority again it
    /// must catch up by InstallSnapshot (§7), since the entries it lacks are gone from the leader's log.
    /// </summary>
    [Fact]
    public async Task SnapshotRPC3B()
    {
        const int nservers = 3;
        using var cfg = new KvCluster(Sys, nservers, unreliable: false, MaxRaftState);
        var history = new HistoryRecorder();
        var ck = new LabClerk(cfg.MakeClient([0, 1, 2], KvGenericTest.ClientOptions), history, 0);

        await ck.Put("a", "A");
        await ck.Check("a", "A");
        var laggard = await cfg.GetState(2);

        // A bunch of puts into the majority partition.
        cfg.Partition([0, 1], [2]);
        {
            var ck1 = new LabClerk(cfg.MakeClient([0, 1], KvGenericTest.ClientOptions), history, 1);
            for (var i = 0; i < 50; i++) await ck1.Put(i.ToString(), i.ToString());
            await Task.Delay(cfg.ElectionTimeout);
            await ck1.Put("b", "B");
        }

        // The majority has thrown away most of its log entries.
        var sz = await cfg.LogSize();
        _output.WriteLine($"log size {sz} bytes after the 50 puts");
        if (sz > 8 * MaxRaftState) throw new XunitException($"logs were not trimmed ({sz} > 8*{MaxRaftState})");

        // Now a group that needs the lagging server, so it has to catch up.
        cfg.Partition([0, 2], [1]);
        {
            var ck1 = new LabClerk(cfg.MakeClient([0, 2], KvGenericTest.ClientOptions), history, 2);
            await ck1.Put("c", "C");
            await ck1.Put("d", "D");
            await ck1.Check("a", "A");
            await ck1.Check("b", "B");
            await ck1.Check("1", "1");
            await ck1.Check("49", "49");
        }
        // It caught up past what it had by installing a snapshot: the entries were no longer in any log.
        var caughtUp = await cfg.GetState(2);
        _output.WriteLine($"server 2: snapshot index {laggard!.SnapshotIndex} -> {caughtUp!.SnapshotIndex}, last applied {laggard.LastApplied} -> {caughtUp.LastApplied}");
        if (caughtUp.SnapshotIndex <= laggard.LastApplied) throw new XunitException("the lagging server did not catch up by InstallSnapshot");

        // Now everybody.
        cfg.Partition([0, 1, 2], []);

        await ck.Put("e", "E");
        await ck.Check("c", "C");
        await ck.Check("e", "E");
        await ck.Check("1", "1");

        KvGenericTest.CheckHistory(_output, history);
    }

    /// <summary>200 put/get pairs: the Raft state stays trimmed and the snapshot stays small (it holds the data and the client table, not the log).</summary>
    [Fact]
    public async Task SnapshotSize3B()
    {
        const int nservers = 3;
        const int maxSnapshotState = 500;
        using var cfg = new KvCluster(Sys, nservers, unreliable: false, MaxRaftState);
        var history = new HistoryRecorder();
        var ck = new LabClerk(cfg.MakeClient([0, 1, 2], KvGenericTest.ClientOptions), history, 0);

        for (var i = 0; i < 200; i++)
        {
            await ck.Put("x", "0");
            await ck.Check("x", "0");
            await ck.Put("x", "1");
            await ck.Check("x", "1");
        }

        // The servers have thrown away most of their log entries.
        var sz = await cfg.LogSize();
        if (sz > 8 * MaxRaftState) throw new XunitException($"logs were not trimmed ({sz} > 8*{MaxRaftState})");

        // The snapshots are not unreasonably large.
        var ssz = await cfg.SnapshotSize();
        _output.WriteLine($"log size {sz} bytes, snapshot {ssz} bytes");
        if (ssz > maxSnapshotState) throw new XunitException($"snapshot too large ({ssz} > {maxSnapshotState})");

        KvGenericTest.CheckHistory(_output, history);
    }

    /// <summary>Operations complete fast enough with snapshots on.</summary>
    [Fact]
    public Task SpeedWithSnapshots3B() => KvSpeed.Run(Sys, _output, nameof(SpeedWithSnapshots3B), MaxRaftState);

    /// <summary>Restarts, snapshots, one client.</summary>
    [Fact]
    public Task SnapshotRecover3B() => _generic.Run(nameof(SnapshotRecover3B), 1, 5, unreliable: false, crash: true, partitions: false, MaxRaftState, randomKeys: false);

    /// <summary>Restarts, snapshots, many clients.</summary>
    [Fact]
    public Task SnapshotRecoverManyClients3B() => _generic.Run(nameof(SnapshotRecoverManyClients3B), 20, 5, unreliable: false, crash: true, partitions: false, MaxRaftState, randomKeys: false);

    /// <summary>Unreliable network, snapshots, many clients.</summary>
    [Fact]
    public Task SnapshotUnreliable3B() => _generic.Run(nameof(SnapshotUnreliable3B), 5, 5, unreliable: true, crash: false, partitions: false, MaxRaftState, randomKeys: false);

    /// <summary>Unreliable network, restarts, snapshots, many clients.</summary>
    [Fact]
    public Task SnapshotUnreliableRecover3B() => _generic.Run(nameof(SnapshotUnreliableRecover3B), 5, 5, unreliable: true, crash: true, partitions: false, MaxRaftState, randomKeys: false);

    /// <summary>Unreliable network, restarts, partitions, snapshots, many clients.</summary>
    [Fact]
    public Task SnapshotUnreliableRecoverConcurrentPartition3B() => _generic.Run(nameof(SnapshotUnreliableRecoverConcurrentPartition3B), 5, 5, unreliable: true, crash: true, partitions: true, MaxRaftState, randomKeys: false);

    /// <summary>Unreliable network, restarts, partitions, snapshots, random keys, many clients, 7 servers: the history must be linearizable.</summary>
    [Fact]
    public Task SnapshotUnreliableRecoverConcurrentPartitionLinearizable3B() => _generic.Run(nameof(SnapshotUnreliableRecoverConcurrentPartitionLinearizable3B), 15, 7, unreliable: true, crash: true, partitions: true, MaxRaftState, randomKeys: true);
}
