using Akka.TestKit.Xunit2;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.TestKit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Lab;

/// <summary>
/// Ports of the lab's part 2C tests (persistence), names kept. Reference: Raft paper Figure 2 (persistent state
/// on all servers), §5.4.2 and Figure 8 (committing entries from previous terms). The lab's crash1 is
/// <see cref="RaftCluster.Crash"/>, its start1 is <see cref="RaftCluster.Start"/> (a new incarnation recovering
/// from the journal; the lab's start1 of a running peer crashes it first). Random choices come from a seeded
/// <see cref="Random"/> whose seed is written to the test output; set AKKARAFT_LAB_SEED to replay one.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class PersistenceLabTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestOutputHelper _output;

    public PersistenceLabTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) => _output = output;

    [Fact]
    public async Task Persist12C()
    {
        const int servers = 3;
        using var cfg = new RaftCluster(Sys, servers);

        await cfg.One(11, servers, retry: true);

        // Crash and restart all: the committed entry survives in every journal.
        for (var i = 0; i < servers; i++) await Restart(cfg, i);
        for (var i = 0; i < servers; i++)
        {
            cfg.Disconnect(i);
            cfg.Connect(i);
        }

        await cfg.One(12, servers, retry: true);

        // Crash and restart the leader.
        var leader1 = await cfg.CheckOneLeader();
        cfg.Disconnect(leader1);
        await Restart(cfg, leader1);
        cfg.Connect(leader1);

        await cfg.One(13, servers, retry: true);

        // Cut off the new leader, commit without it, then crash and restart it.
        var leader2 = await cfg.CheckOneLeader();
        cfg.Disconnect(leader2);
        await cfg.One(14, servers - 1, retry: true);
        await Restart(cfg, leader2);
        cfg.Connect(leader2);

        await cfg.Wait(4, servers, -1); // wait for leader2 to join before killing i3

        // Cut off a follower, commit without it, then crash and restart it.
        var i3 = (await cfg.CheckOneLeader() + 1) % servers;
        cfg.Disconnect(i3);
        await cfg.One(15, servers - 1, retry: true);
        await Restart(cfg, i3);
        cfg.Connect(i3);

        await cfg.One(16, servers, retry: true);
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task Persist22C()
    {
        const int servers = 5;
        using var cfg = new RaftCluster(Sys, servers);

        var index = 1;
        for (var iters = 0; iters < 5; iters++)
        {
            await cfg.One(10 + index, servers, retry: true);
            index++;

            var leader1 = await cfg.CheckOneLeader();

            cfg.Disconnect((leader1 + 1) % servers);
            cfg.Disconnect((leader1 + 2) % servers);

            await cfg.One(10 + index, servers - 2, retry: true);
            index++;

            cfg.Disconnect((leader1 + 0) % servers);
            cfg.Disconnect((leader1 + 3) % servers);
            cfg.Disconnect((leader1 + 4) % servers);

            // The two that missed the last commit come back from their journals: they alone cannot elect
            // a leader, and neither may win once a peer holding the newer entry joins (§5.4.1).
            await Restart(cfg, (leader1 + 1) % servers);
            await Restart(cfg, (leader1 + 2) % servers);
            cfg.Connect((leader1 + 1) % servers);
            cfg.Connect((leader1 + 2) % servers);

            await Task.Delay(cfg.ElectionTimeout);

            await Restart(cfg, (leader1 + 3) % servers);
            cfg.Connect((leader1 + 3) % servers);

            await cfg.One(10 + index, servers - 2, retry: true);
            index++;

            cfg.Connect((leader1 + 4) % servers);
            cfg.Connect((leader1 + 0) % servers);
        }

        await cfg.One(1000, servers, retry: true);
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task Persist32C()
    {
        const int servers = 3;
        using var cfg = new RaftCluster(Sys, servers);

        await cfg.One(101, 3, retry: true);

        var leader = await cfg.CheckOneLeader();
        cfg.Disconnect((leader + 2) % servers);

        await cfg.One(102, 2, retry: true);

        // Crash the two that hold 102; only the restarted old leader can bring it to the third (§5.4.1).
        await cfg.Crash((leader + 0) % servers);
        await cfg.Crash((leader + 1) % servers);
        cfg.Connect((leader + 2) % servers);
        cfg.Start((leader + 0) % servers);
        cfg.Connect((leader + 0) % servers);

        await cfg.One(103, 2, retry: true);

        cfg.Start((leader + 1) % servers);
        cfg.Connect((leader + 1) % servers);

        await cfg.One(104, servers, retry: true);
        cfg.ThrowIfApplyErrors();
    }

    /// <summary>
    /// Leaders are crashed soon after being offered a command, so that logs diverge in the ways of the paper's
    /// Figure 8; a peer must never commit an entry of an older term by counting replicas (§5.4.2).
    /// </summary>
    [Fact]
    public async Task Figure82C()
    {
        const int servers = 5;
        var random = SeededRandom(nameof(Figure82C), out var seed);
        using var cfg = new RaftCluster(Sys, servers, seed: seed);
        var halfEt = (int)cfg.ElectionTimeout.TotalMilliseconds / 2;

        await cfg.One(RandomCmd(random), 1, retry: true);

        var nup = servers;
        for (var iters = 0; iters < 1000; iters++)
        {
            var leader = -1;
            for (var i = 0; i < servers; i++)
            {
                if (cfg.Peer(i) is not null && await cfg.Propose(i, RandomCmd(random)) is ProposeAccepted)
                    leader = i;
            }

            // The scenario's own pause: usually a few ms, sometimes up to half an election timeout.
            if (random.Next(1000) < 100)
                await Task.Delay(random.Next(halfEt));
            else
                await Task.Delay(random.Next(13));

            if (leader != -1)
            {
                await cfg.Crash(leader);
                nup--;
            }

            if (nup < 3)
            {
                var s = random.Next(servers);
                if (cfg.Peer(s) is null)
                {
                    cfg.Start(s);
                    cfg.Connect(s);
                    nup++;
                }
            }
        }

        for (var i = 0; i < servers; i++)
        {
            if (cfg.Peer(i) is null)
            {
                cfg.Start(i);
                cfg.Connect(i);
            }
        }

        await cfg.One(RandomCmd(random), servers, retry: true);
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task UnreliableAgree2C()
    {
        const int servers = 5;
        var random = SeededRandom(nameof(UnreliableAgree2C), out var seed);
        using var cfg = new RaftCluster(Sys, servers, unreliable: true, seed: seed);

        // The lab starts the concurrent commits and does not wait for them until the network is reliable again.
        var concurrent = new List<Task>();
        for (var iters = 1; iters <= 50; iters++)
        {
            for (var j = 0; j < 4; j++)
            {
                var command = 100 * iters + j;
                concurrent.Add(Task.Run(() => cfg.One(command, 1, retry: true)));
            }
            await cfg.One(iters, 1, retry: true);
        }

        cfg.SetUnreliable(false);
        await Task.WhenAll(concurrent);

        await cfg.One(100, servers, retry: true);
        cfg.ThrowIfApplyErrors();
    }

    /// <summary>Figure 8 on the unreliable network, with leaders cut off rather than crashed, and long reordering of replies.</summary>
    [Fact]
    public async Task Figure8Unreliable2C()
    {
        const int servers = 5;
        var random = SeededRandom(nameof(Figure8Unreliable2C), out var seed);
        using var cfg = new RaftCluster(Sys, servers, unreliable: true, seed: seed);
        var halfEt = (int)cfg.ElectionTimeout.TotalMilliseconds / 2;

        await cfg.One(random.Next(10000), 1, retry: true);

        var nup = servers;
        for (var iters = 0; iters < 1000; iters++)
        {
            if (iters == 200) cfg.SetLongReordering(true);

            var leader = -1;
            for (var i = 0; i < servers; i++)
            {
                if (await cfg.Propose(i, RaftCluster.Cmd(random.Next(10000))) is ProposeAccepted && cfg.IsConnected(i))
                    leader = i;
            }

            // The scenario's own pause: usually a few ms, sometimes up to half an election timeout.
            if (random.Next(1000) < 100)
                await Task.Delay(random.Next(halfEt));
            else
                await Task.Delay(random.Next(13));

            // Cut the leader off half of the time.
            if (leader != -1 && random.Next(1000) < 500)
            {
                cfg.Disconnect(leader);
                nup--;
            }

            if (nup < 3)
            {
                var s = random.Next(servers);
                if (!cfg.IsConnected(s))
                {
                    cfg.Connect(s);
                    nup++;
                }
            }
        }

        for (var i = 0; i < servers; i++)
        {
            if (!cfg.IsConnected(i)) cfg.Connect(i);
        }

        await cfg.One(random.Next(10000), servers, retry: true);
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public Task ReliableChurn2C() => InternalChurn(nameof(ReliableChurn2C), unreliable: false);

    [Fact]
    public Task UnreliableChurn2C() => InternalChurn(nameof(UnreliableChurn2C), unreliable: true);

    /// <summary>
    /// Three clients keep offering unique commands to every running peer while peers are cut off, crashed,
    /// restarted and reconnected at random; every value a client saw committed must be in the final log
    /// (a committed entry is never lost, Raft §5.4, Leader Completeness).
    /// </summary>
    private async Task InternalChurn(string name, bool unreliable)
    {
        const int servers = 5;
        const int clients = 3;
        var random = SeededRandom(name, out var seed);
        using var cfg = new RaftCluster(Sys, servers, unreliable: unreliable, seed: seed);
        var stop = 0;

        async Task<List<int>> Client(int me)
        {
            var values = new List<int>();
            var sequence = 0;
            while (Volatile.Read(ref stop) == 0)
            {
                var x = (me + 1) * 100_000_000 + ++sequence; // unique across clients and offers
                var command = RaftCluster.Cmd(x);
                long index = -1;
                var ok = false;
                for (var i = 0; i < servers; i++)
                {
                    // Try them all: maybe one of them is a leader.
                    if (cfg.Peer(i) is null) continue;
                    if (await cfg.Propose(i, command) is ProposeAccepted accepted)
                    {
                        ok = true;
                        index = accepted.Index;
                    }
                }
                if (ok)
                {
                    // Maybe the leader will commit our value, maybe not; but do not wait forever.
                    foreach (var to in new[] { 10, 20, 50, 100, 200 })
                    {
                        var (nd, cmd) = cfg.NCommitted(index);
                        if (nd > 0)
                        {
                            if (cmd!.AsSpan().SequenceEqual(command)) values.Add(x);
                            break;
                        }
                        await Task.Delay(to);
                    }
                }
                else
                {
                    await Task.Delay(79 + me * 17);
                }
            }
            return values;
        }

        var clientTasks = Enumerable.Range(0, clients).Select(me => Task.Run(() => Client(me))).ToArray();

        for (var iters = 0; iters < 20; iters++)
        {
            if (random.Next(1000) < 200)
            {
                var i = random.Next(servers);
                cfg.Disconnect(i);
            }

            if (random.Next(1000) < 500)
            {
                var i = random.Next(servers);
                if (cfg.Peer(i) is null) cfg.Start(i);
                cfg.Connect(i);
            }

            if (random.Next(1000) < 200)
            {
                var i = random.Next(servers);
                if (cfg.Peer(i) is not null) await cfg.Crash(i);
            }

            // Frequent enough that the peers have not settled from one change to the next, yet often keep up.
            await Task.Delay(cfg.ElectionTimeout * 7 / 10);
        }

        await Task.Delay(cfg.ElectionTimeout);
        cfg.SetUnreliable(false);
        for (var i = 0; i < servers; i++)
        {
            if (cfg.Peer(i) is null) cfg.Start(i);
            cfg.Connect(i);
        }

        Volatile.Write(ref stop, 1);

        var values = new List<int>();
        foreach (var client in clientTasks)
        {
            List<int>? vv;
            try { vv = await client; }
            catch (Exception e) { throw new XunitException($"client failed: {e.Message}"); }
            values.AddRange(vv);
        }
        _output.WriteLine($"{name}: clients saw {values.Count} of their values committed");

        await Task.Delay(cfg.ElectionTimeout);

        var lastIndex = await cfg.One(RandomCmd(random), servers, retry: true);

        var really = new HashSet<int>();
        for (var index = 1L; index <= lastIndex; index++)
        {
            var (_, v) = cfg.NCommitted(index);
            if (v is not { Length: 4 }) throw new XunitException($"not an int (nothing applied at index {index})");
            really.Add((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]);
        }

        foreach (var v1 in values)
        {
            if (!really.Contains(v1)) throw new XunitException($"didn't find a value ({v1})");
        }
        cfg.ThrowIfApplyErrors();
    }

    /// <summary>The lab's start1 of a running peer: crash it (its journal survives), then start a new incarnation. Not connected.</summary>
    private static async Task Restart(RaftCluster cfg, int i)
    {
        await cfg.Crash(i);
        cfg.Start(i);
    }

    private static byte[] RandomCmd(Random random) => RaftCluster.Cmd(random.Next());

    /// <summary>A seeded source for the scenario's random choices; the seed goes to the output so a failure can be replayed.</summary>
    private Random SeededRandom(string test, out int seed)
    {
        seed = int.TryParse(Environment.GetEnvironmentVariable("AKKARAFT_LAB_SEED"), out var pinned) ? pinned : Random.Shared.Next(1, int.MaxValue);
        _output.WriteLine($"{test}: seed {seed} (replay with AKKARAFT_LAB_SEED={seed})");
        return new Random(seed);
    }
}
