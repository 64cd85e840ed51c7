using Akka.TestKit.Xunit2;
using AkkaRaft.TestKit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.KeyValue;

/// <summary>
/// Ports of the lab's part 3A tests (a key-value service on Raft, no snapshots), names kept. Every test records its
/// history and checks it for linearizability. Random choices come from a seeded <see cref="Random"/> whose seed is
/// written to the output; set AKKARAFT_LAB_SEED to replay one.
/// </summary>
[Collection(KvLab3ACollection.Name)]
public sealed class KvLabTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestOutputHelper _output;
    private readonly KvGenericTest _generic;

    public KvLabTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output)
    {
        _output = output;
        _generic = new KvGenericTest(Sys, output);
    }

    /// <summary>Basic service: one client.</summary>
    [Fact]
    public Task Basic3A() => _generic.Run(nameof(Basic3A), 1, 5, unreliable: false, crash: false, partitions: false, maxRaftState: -1, randomKeys: false);

    /// <summary>Operations complete fast enough: a command must not wait for the next heartbeat.</summary>
    [Fact]
    public Task Speed3A() => KvSpeed.Run(Sys, _output, nameof(Speed3A), maxRaftState: -1);

    /// <summary>Many clients.</summary>
    [Fact]
    public Task Concurrent3A() => _generic.Run(nameof(Concurrent3A), 5, 5, unreliable: false, crash: false, partitions: false, maxRaftState: -1, randomKeys: false);

    /// <summary>Unreliable network, many clients.</summary>
    [Fact]
    public Task Unreliable3A() => _generic.Run(nameof(Unreliable3A), 5, 5, unreliable: true, crash: false, partitions: false, maxRaftState: -1, randomKeys: false);

    /// <summary>Concurrent appends to the same key on an unreliable network: each lands once, each client's in order.</summary>
    [Fact]
    public async Task UnreliableOneKey3A()
    {
        const int nservers = 3;
        const int nclient = 5;
        const int upto = 10;
        KvGenericTest.SeededRandom(_output, nameof(UnreliableOneKey3A), out var seed);
        using var cfg = new KvCluster(Sys, nservers, unreliable: true, seed: seed);
        var history = new HistoryRecorder();
        var all = Enumerable.Range(0, nservers).ToArray();
        var ck = new LabClerk(cfg.MakeClient(all, KvGenericTest.ClientOptions), history, nclient);

        await ck.Put("k", "");

        var clerks = Enumerable.Range(0, nclient).Select(me => new LabClerk(cfg.MakeClient(all, KvGenericTest.ClientOptions), history, me)).ToArray();
        await Task.WhenAll(Enumerable.Range(0, nclient).Select(me => Task.Run(async () =>
        {
            for (var n = 0; n < upto; n++) await clerks[me].Append("k", $"x {me} {n} y");
        })));

        var vx = await ck.Get("k");
        KvGenericTest.CheckConcurrentAppends(vx, Enumerable.Repeat(upto, nclient).ToArray());
        KvGenericTest.CheckHistory(_output, history);
    }

    /// <summary>
    /// Progress in the majority, none in the minority (where the old leader is), and completion after healing.
    /// </summary>
    [Fact]
    public async Task OnePartition3A()
    {
        const int nservers = 5;
        using var cfg = new KvCluster(Sys, nservers, unreliable: false);
        var history = new HistoryRecorder();
        var all = Enumerable.Range(0, nservers).ToArray();
        var ck = new LabClerk(cfg.MakeClient(all, KvGenericTest.ClientOptions), history, 0);

        await ck.Put("1", "13");

        // Progress in the majority. The lab's make_partition: the leader goes into the minority.
        var (p1, p2) = await MakePartition(cfg);
        _output.WriteLine($"majority [{string.Join(",", p1)}], minority [{string.Join(",", p2)}] with the leader");
        cfg.Partition(p1, p2);

        var ckp1 = new LabClerk(cfg.MakeClient(p1, KvGenericTest.ClientOptions), history, 1);  // connected to p1 only
        var ckp2a = new LabClerk(cfg.MakeClient(p2, KvGenericTest.ClientOptions), history, 2); // connected to p2 only
        var ckp2b = new LabClerk(cfg.MakeClient(p2, KvGenericTest.ClientOptions), history, 3); // connected to p2 only

        await ckp1.Put("1", "14");
        await ckp1.Check("1", "14");

        // No progress in the minority: neither a Put nor a Get (by another clerk) may complete there.
        var done0 = ckp2a.Put("1", "15");
        var done1 = ckp2b.Get("1");
        var wait = 2 * cfg.ElectionTimeout;
        var first = await Task.WhenAny(done0, done1, Task.Delay(wait));
        if (first == done0) throw new XunitException("Put in minority completed");
        if (first == done1) throw new XunitException("Get in minority completed");

        await ckp1.Check("1", "14");
        await ckp1.Put("1", "16");
        await ckp1.Check("1", "16");
        if (done0.IsCompleted) throw new XunitException("Put in minority completed");
        if (done1.IsCompleted) throw new XunitException("Get in minority completed");

        // Completion after heal.
        cfg.ConnectAll();
        cfg.ConnectClient(ckp2a.Client, all);
        cfg.ConnectClient(ckp2b.Client, all);

        await Task.Delay(cfg.ElectionTimeout);

        if (await Task.WhenAny(done0, Task.Delay(TimeSpan.FromSeconds(3))) != done0) throw new XunitException("Put did not complete");
        await done0;
        // The lab does not require the Get to have completed by now; it must complete eventually.
        await done1;

        // Everyone sees the Put that was blocked in the minority.
        await ck.Check("1", "15");
        await ckp1.Check("1", "15");
        await ckp2a.Check("1", "15");
        await ckp2b.Check("1", "15");

        KvGenericTest.CheckHistory(_output, history);
    }

    /// <summary>Partitions re-split every ET + 0-200 ms, one client.</summary>
    [Fact]
    public Task ManyPartitionsOneClient3A() => _generic.Run(nameof(ManyPartitionsOneClient3A), 1, 5, unreliable: false, crash: false, partitions: true, maxRaftState: -1, randomKeys: false);

    /// <summary>Partitions re-split every ET + 0-200 ms, many clients.</summary>
    [Fact]
    public Task ManyPartitionsManyClients3A() => _generic.Run(nameof(ManyPartitionsManyClients3A), 5, 5, unreliable: false, crash: false, partitions: true, maxRaftState: -1, randomKeys: false);

    /// <summary>Restarts, one client.</summary>
    [Fact]
    public Task PersistOneClient3A() => _generic.Run(nameof(PersistOneClient3A), 1, 5, unreliable: false, crash: true, partitions: false, maxRaftState: -1, randomKeys: false);

    /// <summary>Restarts, many clients.</summary>
    [Fact]
    public Task PersistConcurrent3A() => _generic.Run(nameof(PersistConcurrent3A), 5, 5, unreliable: false, crash: true, partitions: false, maxRaftState: -1, randomKeys: false);

    /// <summary>Unreliable network, restarts, many clients.</summary>
    [Fact]
    public Task PersistConcurrentUnreliable3A() => _generic.Run(nameof(PersistConcurrentUnreliable3A), 5, 5, unreliable: true, crash: true, partitions: false, maxRaftState: -1, randomKeys: false);

    /// <summary>Restarts, partitions, many clients.</summary>
    [Fact]
    public Task PersistPartition3A() => _generic.Run(nameof(PersistPartition3A), 5, 5, unreliable: false, crash: true, partitions: true, maxRaftState: -1, randomKeys: false);

    /// <summary>Unreliable network, restarts, partitions, many clients.</summary>
    [Fact]
    public Task PersistPartitionUnreliable3A() => _generic.Run(nameof(PersistPartitionUnreliable3A), 5, 5, unreliable: true, crash: true, partitions: true, maxRaftState: -1, randomKeys: false);

    /// <summary>Unreliable network, restarts, partitions, random keys, many clients, 7 servers: the history must be linearizable.</summary>
    [Fact]
    public Task PersistPartitionUnreliableLinearizable3A() => _generic.Run(nameof(PersistPartitionUnreliableLinearizable3A), 15, 7, unreliable: true, crash: true, partitions: true, maxRaftState: -1, randomKeys: true);

    /// <summary>The lab's make_partition: a majority without the leader, and a minority holding it.</summary>
    private static async Task<(int[] P1, int[] P2)> MakePartition(KvCluster cfg)
    {
        var l = await cfg.Leader();
        var others = Enumerable.Range(0, cfg.N).Where(i => i != l).ToArray();
        var p1 = others.Take(cfg.N / 2 + 1).ToArray();
        var p2 = others.Skip(cfg.N / 2 + 1).Append(l).ToArray();
        return (p1, p2);
    }
}
