using Akka.TestKit.Xunit2;
using AkkaRaft.TestKit;
using AkkaRaft.Tests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Lab;

/// <summary>Ports of the lab's part 2D tests (snapshots), names kept. Reference: Raft paper §7.</summary>
[Collection(TimingCollection.Name)]
public sealed class SnapshotLabTests : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>The lab's SnapShotInterval: the state machine snapshots after every 10 applied entries.</summary>
    private const int SnapshotInterval = 10;

    /// <summary>The lab's MAXLOGSIZE: the persisted Raft state beyond the snapshot must stay under this many bytes.</summary>
    private const long MaxLogSize = 2000;

    private readonly ITestOutputHelper _output;

    public SnapshotLabTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) => _output = output;

    /// <summary>The lab's snapcommon: 30 rounds of offering 5-14 commands, with a victim disconnected or crashed meanwhile.</summary>
    private async Task SnapCommon(bool disconnect, bool reliable, bool crash, int seed)
    {
        _output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        const int iters = 30;
        const int servers = 3;
        using var cfg = new RaftCluster(Sys, servers, unreliable: !reliable, seed: seed, snapshotEvery: SnapshotInterval);

        await cfg.One(random.Next(), servers, retry: true);
        var leader1 = await cfg.CheckOneLeader();

        for (var i = 0; i < iters; i++)
        {
            var victim = (leader1 + 1) % servers;
            var sender = leader1;
            if (i % 3 == 1)
            {
                sender = (leader1 + 1) % servers;
                victim = leader1;
            }

            if (disconnect)
            {
                cfg.Disconnect(victim);
                await cfg.One(random.Next(), servers - 1, retry: true);
            }
            if (crash)
            {
                await cfg.Crash(victim);
                await cfg.One(random.Next(), servers - 1, retry: true);
            }

            // Perhaps send enough to get a snapshot.
            var nn = SnapshotInterval / 2 + random.Next(SnapshotInterval);
            for (var k = 0; k < nn; k++) await cfg.Propose(sender, RaftCluster.Cmd(random.Next()));

            // Let the appliers catch up; without a fault, make sure every follower has, so that no
            // InstallSnapshot is needed for SnapshotBasic.
            if (!disconnect && !crash) await cfg.One(random.Next(), servers, retry: true);
            else await cfg.One(random.Next(), servers - 1, retry: true);

            var size = await cfg.LogSize();
            if (size >= MaxLogSize) throw new XunitException($"Log size too large: {size} bytes");

            if (disconnect)
            {
                // Reconnect a follower who may be behind and need a snapshot to catch up.
                cfg.Connect(victim);
                await cfg.One(random.Next(), servers, retry: true);
                leader1 = await cfg.CheckOneLeader();
            }
            if (crash)
            {
                cfg.Start(victim);
                cfg.Connect(victim);
                await cfg.One(random.Next(), servers, retry: true);
                leader1 = await cfg.CheckOneLeader();
            }
        }
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public Task SnapshotBasic2D() => SnapCommon(disconnect: false, reliable: true, crash: false, seed: 2001);

    [Fact]
    public Task SnapshotInstall2D() => SnapCommon(disconnect: true, reliable: true, crash: false, seed: 2002);

    [Fact]
    public Task SnapshotInstallUnreliable2D() => SnapCommon(disconnect: true, reliable: false, crash: false, seed: 2003);

    [Fact]
    public Task SnapshotInstallCrash2D() => SnapCommon(disconnect: false, reliable: true, crash: true, seed: 2004);

    [Fact]
    public Task SnapshotInstallUnCrash2D() => SnapCommon(disconnect: false, reliable: false, crash: true, seed: 2005);

    /// <summary>
    /// The lab's TestSnapshotAllCrash2D: every peer restarts from its snapshot and journal at once; the log must not go
    /// backwards, so the next command lands after the last one committed before the crash.
    /// </summary>
    [Fact]
    public async Task SnapshotAllCrash2D()
    {
        const int seed = 2006;
        _output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        const int servers = 3;
        const int iters = 5;
        using var cfg = new RaftCluster(Sys, servers, seed: seed, snapshotEvery: SnapshotInterval);

        await cfg.One(random.Next(), servers, retry: true);

        for (var i = 0; i < iters; i++)
        {
            // Perhaps enough to get a snapshot.
            var nn = SnapshotInterval / 2 + random.Next(SnapshotInterval);
            for (var k = 0; k < nn; k++) await cfg.One(random.Next(), servers, retry: true);

            var index1 = await cfg.One(random.Next(), servers, retry: true);

            await CrashAndRestartAll(cfg);

            var index2 = await cfg.One(random.Next(), servers, retry: true);
            if (index2 < index1 + 1) throw new XunitException($"index decreased from {index1} to {index2}");
        }
        cfg.ThrowIfApplyErrors();
    }

    /// <summary>
    /// The lab's TestSnapshotInit2D: a restart from a snapshot, followed by a write that re-persists Raft state, must
    /// not lose the snapshot; a second restart must still recover it.
    /// </summary>
    [Fact]
    public async Task SnapshotInit2D()
    {
        const int seed = 2007;
        _output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        const int servers = 3;
        using var cfg = new RaftCluster(Sys, servers, seed: seed, snapshotEvery: SnapshotInterval);

        await cfg.One(random.Next(), servers, retry: true);

        // Enough commands to make a snapshot.
        for (var k = 0; k < SnapshotInterval + 1; k++) await cfg.One(random.Next(), servers, retry: true);
        // The lab assumes the snapshot is durable by now; make sure, so the restarts below really start from it.
        await AwaitAssertAsync(() => AssertStoredSnapshots(cfg, SnapshotInterval), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));

        await CrashAndRestartAll(cfg);
        await AssertRecoveredSnapshots(cfg, SnapshotInterval);

        // A single command, so that something is written back to persistent storage.
        await cfg.One(random.Next(), servers, retry: true);

        await CrashAndRestartAll(cfg);
        await AssertRecoveredSnapshots(cfg, SnapshotInterval);

        // Another command, to trigger the bug of a snapshot lost by the first restart.
        await cfg.One(random.Next(), servers, retry: true);
        cfg.ThrowIfApplyErrors();
    }

    private async Task AssertStoredSnapshots(RaftCluster cfg, long atLeast)
    {
        var probe = CreateTestProbe();
        for (var i = 0; i < cfg.N; i++)
        {
            var stored = await StoredState.SnapshotIndex(Sys, probe, cfg, i);
            if (stored < atLeast) throw new XunitException($"{RaftCluster.Id(i)}'s snapshot store holds a snapshot up to {stored}, expected at least {atLeast}");
        }
    }

    /// <summary>Every restarted peer came back from its snapshot, not from an empty or older state.</summary>
    private async Task AssertRecoveredSnapshots(RaftCluster cfg, long atLeast)
    {
        for (var i = 0; i < cfg.N; i++)
        {
            var state = await cfg.GetState(i) ?? throw new XunitException($"{RaftCluster.Id(i)} did not answer GetState after its restart");
            _output.WriteLine($"{RaftCluster.Id(i)} restarted with a snapshot up to {state.SnapshotIndex} and log up to {state.LastLogIndex}");
            if (state.SnapshotIndex < atLeast) throw new XunitException($"{RaftCluster.Id(i)} restarted with a snapshot up to {state.SnapshotIndex}, expected at least {atLeast}");
        }
    }

    /// <summary>The lab's crash1 of every peer, then start1 and connect of every peer.</summary>
    private static async Task CrashAndRestartAll(RaftCluster cfg)
    {
        for (var i = 0; i < cfg.N; i++) await cfg.Crash(i);
        for (var i = 0; i < cfg.N; i++)
        {
            cfg.Start(i);
            cfg.Connect(i);
        }
    }
}
