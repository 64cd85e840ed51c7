using Akka.TestKit.Xunit2;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.TestKit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Lab;

/// <summary>
/// Ports of the lab's part 2B tests (agreement), names kept. Reference: Raft paper §5.3 (log replication),
/// §5.4 (safety). Where the lab sleeps as part of the scenario ("after 2 ET it is not committed"), so do these.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class AgreementLabTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestOutputHelper _output;

    public AgreementLabTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) => _output = output;

    [Fact]
    public async Task BasicAgree2B()
    {
        const int servers = 3;
        using var cfg = new RaftCluster(Sys, servers);

        for (var index = 1; index <= 3; index++)
        {
            // Nothing is committed at an index before a command is offered for it.
            var (committed, _) = cfg.NCommitted(index);
            Assert.True(committed == 0, "some have committed before Start()");

            var xindex = await cfg.One(index * 100, servers, retry: false);
            Assert.True(xindex == index, $"got index {xindex} but expected {index}");
        }
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task RPCBytes2B()
    {
        const int servers = 3;
        using var cfg = new RaftCluster(Sys, servers);
        var random = new Random(2002);

        await cfg.One(99, servers, retry: false);
        var bytes0 = cfg.BytesTotal();

        // Each 5,000-byte command should cross to each follower about once.
        long sent = 0;
        for (var index = 2; index < 10 + 2; index++)
        {
            var cmd = new byte[5000];
            random.NextBytes(cmd);
            var xindex = await cfg.One(cmd, servers, retry: false);
            Assert.True(xindex == index, $"got index {xindex} but expected {index}");
            sent += cmd.Length;
        }

        var got = cfg.BytesTotal() - bytes0;
        var expected = servers * sent;
        _output.WriteLine($"RPCBytes2B: {got} bytes sent for {sent} bytes of commands (bound {expected + 50_000})");
        Assert.True(got <= expected + 50_000, $"too many RPC bytes; got {got}, expected {expected}");
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task FollowerFailure2B()
    {
        const int servers = 3;
        using var cfg = new RaftCluster(Sys, servers);

        await cfg.One(101, servers, retry: false);

        // Disconnect one follower: the leader and the remaining follower still agree.
        var leader1 = await cfg.CheckOneLeader();
        cfg.Disconnect((leader1 + 1) % servers);
        await cfg.One(102, servers - 1, retry: false);
        await Task.Delay(cfg.ElectionTimeout);
        await cfg.One(103, servers - 1, retry: false);

        // Disconnect the remaining follower: the leader alone cannot commit (§5.3, a majority must store it).
        var leader2 = await cfg.CheckOneLeader();
        cfg.Disconnect((leader2 + 1) % servers);
        cfg.Disconnect((leader2 + 2) % servers);

        var reply = await cfg.Propose(leader2, RaftCluster.Cmd(104));
        var accepted = Assert.IsType<ProposeAccepted>(reply);
        Assert.True(accepted.Index == 4, $"expected index 4, got {accepted.Index}");

        await Task.Delay(2 * cfg.ElectionTimeout);

        var (n, _) = cfg.NCommitted(accepted.Index);
        Assert.True(n == 0, $"{n} committed but no majority");
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task LeaderFailure2B()
    {
        const int servers = 3;
        using var cfg = new RaftCluster(Sys, servers);

        await cfg.One(101, servers, retry: false);

        // Disconnect the first leader: the remaining two elect a new one and agree.
        var leader1 = await cfg.CheckOneLeader();
        cfg.Disconnect(leader1);
        await cfg.One(102, servers - 1, retry: false);
        await Task.Delay(cfg.ElectionTimeout);
        await cfg.One(103, servers - 1, retry: false);

        // Disconnect the new leader too, and offer a command to every peer: none can reach a majority.
        var leader2 = await cfg.CheckOneLeader();
        cfg.Disconnect(leader2);
        for (var i = 0; i < servers; i++) await cfg.Propose(i, RaftCluster.Cmd(104));

        await Task.Delay(2 * cfg.ElectionTimeout);

        var (n, _) = cfg.NCommitted(4);
        Assert.True(n == 0, $"{n} committed but no majority");
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task FailAgree2B()
    {
        const int servers = 3;
        using var cfg = new RaftCluster(Sys, servers);

        await cfg.One(101, servers, retry: false);

        // Disconnect one follower: the leader and the other follower still agree.
        var leader = await cfg.CheckOneLeader();
        cfg.Disconnect((leader + 1) % servers);
        await cfg.One(102, servers - 1, retry: false);
        await cfg.One(103, servers - 1, retry: false);
        await Task.Delay(cfg.ElectionTimeout);
        await cfg.One(104, servers - 1, retry: false);
        await cfg.One(105, servers - 1, retry: false);

        // Reconnect it: the full set keeps the earlier agreements (it catches up) and agrees on new commands.
        cfg.Connect((leader + 1) % servers);
        await cfg.One(106, servers, retry: true);
        await Task.Delay(cfg.ElectionTimeout);
        await cfg.One(107, servers, retry: true);
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task FailNoAgree2B()
    {
        const int servers = 5;
        using var cfg = new RaftCluster(Sys, servers);

        await cfg.One(10, servers, retry: false);

        // Three of five followers disconnect: the leader cannot commit.
        var leader = await cfg.CheckOneLeader();
        cfg.Disconnect((leader + 1) % servers);
        cfg.Disconnect((leader + 2) % servers);
        cfg.Disconnect((leader + 3) % servers);

        var reply = await cfg.Propose(leader, RaftCluster.Cmd(20));
        var accepted = Assert.IsType<ProposeAccepted>(reply);
        Assert.True(accepted.Index == 2, $"expected index 2, got {accepted.Index}");

        await Task.Delay(2 * cfg.ElectionTimeout);

        var (n, _) = cfg.NCommitted(accepted.Index);
        Assert.True(n == 0, $"{n} committed but no majority");

        // Repair. The disconnected majority may have chosen a leader among themselves, forgetting index 2.
        cfg.Connect((leader + 1) % servers);
        cfg.Connect((leader + 2) % servers);
        cfg.Connect((leader + 3) % servers);

        var leader2 = await cfg.CheckOneLeader();
        var reply2 = await cfg.Propose(leader2, RaftCluster.Cmd(30));
        var accepted2 = Assert.IsType<ProposeAccepted>(reply2);
        Assert.True(accepted2.Index is >= 2 and <= 3, $"unexpected index {accepted2.Index}");

        await cfg.One(1000, servers, retry: true);
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task ConcurrentStarts2B()
    {
        const int servers = 3;
        const int iters = 5;
        using var cfg = new RaftCluster(Sys, servers);

        var success = false;
        for (var attempt = 0; attempt < 5 && !success; attempt++)
        {
            if (attempt > 0) await Task.Delay(TimeSpan.FromSeconds(3)); // the lab's pause to let the group settle

            var leader = await cfg.CheckOneLeader();
            if (await cfg.Propose(leader, RaftCluster.Cmd(1)) is not ProposeAccepted first)
                continue; // the leader moved on really quickly
            var term = first.Term;

            // Five offers to the leader at once; keep the indices of those accepted in this term.
            var replies = await Task.WhenAll(Enumerable.Range(0, iters).Select(i => cfg.Propose(leader, RaftCluster.Cmd(100 + i))));
            var indices = replies.OfType<ProposeAccepted>().Where(a => a.Term == term).Select(a => a.Index).ToArray();

            if (!await AllInTerm(cfg, term))
                continue; // the term changed: cannot expect all offers to have succeeded

            var commands = new List<byte[]>();
            var termMoved = false;
            foreach (var index in indices)
            {
                var command = await cfg.Wait(index, servers, term);
                if (command is null)
                {
                    termMoved = true; // peers moved on to a later term
                    break;
                }
                commands.Add(command);
            }
            if (termMoved) continue;

            for (var i = 0; i < iters; i++)
            {
                var expected = RaftCluster.Cmd(100 + i);
                Assert.True(commands.Any(c => c.AsSpan().SequenceEqual(expected)), $"cmd {100 + i} missing");
            }
            success = true;
        }

        Assert.True(success, "term changed too often");
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task Rejoin2B()
    {
        const int servers = 3;
        using var cfg = new RaftCluster(Sys, servers);

        await cfg.One(101, servers, retry: true);

        // The leader is cut off and offered entries it can never commit.
        var leader1 = await cfg.CheckOneLeader();
        cfg.Disconnect(leader1);
        await cfg.Propose(leader1, RaftCluster.Cmd(102));
        await cfg.Propose(leader1, RaftCluster.Cmd(103));
        await cfg.Propose(leader1, RaftCluster.Cmd(104));

        // The new leader commits, also at index 2.
        await cfg.One(103, 2, retry: true);

        // The new leader is cut off; the old one returns and its uncommitted entries are overwritten (§5.3).
        var leader2 = await cfg.CheckOneLeader();
        cfg.Disconnect(leader2);
        cfg.Connect(leader1);
        await cfg.One(104, 2, retry: true);

        // All together now.
        cfg.Connect(leader2);
        await cfg.One(105, servers, retry: true);
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task Backup2B()
    {
        const int servers = 5;
        using var cfg = new RaftCluster(Sys, servers);
        var random = new Random(2024);
        byte[] RandomCmd() => RaftCluster.Cmd(random.Next());

        await cfg.One(RandomCmd(), servers, retry: true);

        // Put the leader and one follower in a partition, and offer them commands that cannot commit.
        var leader1 = await cfg.CheckOneLeader();
        cfg.Disconnect((leader1 + 2) % servers);
        cfg.Disconnect((leader1 + 3) % servers);
        cfg.Disconnect((leader1 + 4) % servers);
        for (var i = 0; i < 50; i++) await cfg.Propose(leader1, RandomCmd());

        await Task.Delay(cfg.ElectionTimeout / 2);
        cfg.Disconnect((leader1 + 0) % servers);
        cfg.Disconnect((leader1 + 1) % servers);

        // Let the other partition recover, and commit plenty there.
        cfg.Connect((leader1 + 2) % servers);
        cfg.Connect((leader1 + 3) % servers);
        cfg.Connect((leader1 + 4) % servers);
        for (var i = 0; i < 50; i++) await cfg.One(RandomCmd(), 3, retry: true);

        // Now another partitioned leader with one follower, offered commands that cannot commit.
        var leader2 = await cfg.CheckOneLeader();
        var other = (leader1 + 2) % servers;
        if (leader2 == other) other = (leader2 + 1) % servers;
        cfg.Disconnect(other);
        for (var i = 0; i < 50; i++) await cfg.Propose(leader2, RandomCmd());

        await Task.Delay(cfg.ElectionTimeout / 2);

        // Bring the original leader's side back to life with one of the other side.
        for (var i = 0; i < servers; i++) cfg.Disconnect(i);
        cfg.Connect((leader1 + 0) % servers);
        cfg.Connect((leader1 + 1) % servers);
        cfg.Connect(other);

        // Plenty of commits in that group: their logs must be backed up quickly past the stale entries.
        for (var i = 0; i < 50; i++) await cfg.One(RandomCmd(), 3, retry: true);

        // Now everyone.
        for (var i = 0; i < servers; i++) cfg.Connect(i);
        await cfg.One(RandomCmd(), servers, retry: true);
        cfg.ThrowIfApplyErrors();
    }

    [Fact]
    public async Task Count2B()
    {
        const int servers = 3;
        const int iters = 10;
        using var cfg = new RaftCluster(Sys, servers);

        await cfg.CheckOneLeader();
        var total1 = cfg.RpcTotal();
        _output.WriteLine($"Count2B: {total1} RPCs to elect the first leader");
        Assert.True(total1 is >= 1 and <= 30, $"too many or few RPCs ({total1}) to elect initial leader");

        var random = new Random(2011);
        long total2 = 0;
        var success = false;
        for (var attempt = 0; attempt < 5 && !success; attempt++)
        {
            if (attempt > 0) await Task.Delay(TimeSpan.FromSeconds(3)); // the lab's pause to let the group settle

            var leader = await cfg.CheckOneLeader();
            total1 = cfg.RpcTotal();

            if (await cfg.Propose(leader, RaftCluster.Cmd(1)) is not ProposeAccepted first)
                continue; // the leader moved on really quickly
            var (startIndex, term) = (first.Index, first.Term);

            // Ten more commands offered to the leader at once, all in this term.
            var commands = Enumerable.Range(0, iters).Select(_ => RaftCluster.Cmd(random.Next())).ToArray();
            var replies = await Task.WhenAll(commands.Select(c => cfg.Propose(leader, c)));
            if (replies.Any(r => r is not ProposeAccepted a || a.Term != term))
                continue; // the term changed while offering
            var indexOf = replies.Cast<ProposeAccepted>().Select(a => a.Index).ToArray();
            // In one term one leader hands out consecutive indices: exactly startIndex+1 .. startIndex+iters.
            Assert.True(indexOf.Order().SequenceEqual(Enumerable.Range(1, iters).Select(k => startIndex + k)),
                $"Start() failed: first at {startIndex}, then at {string.Join(", ", indexOf)}");

            var termMoved = false;
            var expectedAt = indexOf.Zip(commands).Prepend((startIndex, RaftCluster.Cmd(1))).OrderBy(p => p.Item1);
            foreach (var (index, expected) in expectedAt)
            {
                var command = await cfg.Wait(index, servers, term);
                if (command is null)
                {
                    termMoved = true; // term changed: try again
                    break;
                }
                Assert.True(command.AsSpan().SequenceEqual(expected), $"wrong value committed for index {index}");
            }
            if (termMoved) continue;

            // Read the counts even when the term moved, so the idle check starts from them.
            var termChanged = !await AllInTerm(cfg, term);
            total2 = cfg.RpcTotal();
            if (termChanged) continue; // can't expect low RPC counts

            _output.WriteLine($"Count2B: {total2 - total1} RPCs for {iters + 1} entries (attempt {attempt + 1})");
            Assert.True(total2 - total1 <= (iters + 1 + 3) * 3, $"too many RPCs ({total2 - total1}) for {iters + 1} entries");
            success = true;
        }
        Assert.True(success, "term changed too often");

        // A second of idleness (the scenario's own wait) costs only heartbeats.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var total3 = cfg.RpcTotal();
        _output.WriteLine($"Count2B: {total3 - total2} RPCs in 1 s of idleness");
        Assert.True(total3 - total2 <= 3 * 20, $"too many RPCs ({total3 - total2}) for 1 second of idleness");
        cfg.ThrowIfApplyErrors();
    }

    /// <summary>Every peer is still in <paramref name="term"/> (the lab reads GetState of all of them).</summary>
    private static async Task<bool> AllInTerm(RaftCluster cfg, long term)
    {
        for (var i = 0; i < cfg.N; i++)
        {
            var state = await cfg.GetState(i) ?? throw new XunitException($"{RaftCluster.Id(i)} did not report its state");
            if (state.Term != term) return false;
        }
        return true;
    }
}
