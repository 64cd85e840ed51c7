using Akka.TestKit.Xunit2;
using AkkaRaft.Tests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Lab;

/// <summary>Ports of the lab's part 2D tests (snapshots), names kept. Reference: Raft paper §7.</summary>
[Collection(TimingCollection.Name)]
public sealed class SnapshotLabTests : TestKit
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
}
