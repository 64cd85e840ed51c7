using System.Diagnostics;
using AkkaRaft.Actors;
using AkkaRaft.KeyValue;
using AkkaRaft.TestKit;
using AkkaRaft.Tests.KeyValue;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.GroupMembership;

/// <summary>The key-value service while its group changes: sessions, de-duplication and linearizability hold throughout.</summary>
[Collection(TimingCollection.Name)]
public sealed class KvMembershipTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestOutputHelper _output;

    public KvMembershipTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) => _output = output;

    /// <summary>
    /// How long the churn runs at least: a change, a crash or a cut is tried about every half second, and on a quiet
    /// machine about ten changes commit in this time. On a busy one it goes on until <see cref="EnoughChanges"/> have,
    /// for at most three times as long.
    /// </summary>
    private static readonly TimeSpan ChurnTime = TimeSpan.FromSeconds(15);

    private const int EnoughChanges = 8;

    private static readonly KvClientOptions ClientOptions = new() { AttemptTimeout = TimeSpan.FromMilliseconds(500), OperationTimeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Sessions_and_deduplication_survive_adding_a_voter_and_removing_the_leader()
    {
        // Reference: Raft thesis §6.3 with §4: the session table is replicated state, so a new voter and a new leader
        // both know which writes were applied
        using var cfg = new KvCluster(Sys, 4, unreliable: false, members: 3);
        await cfg.AwaitRecovered();
        var client = cfg.MakeClient([0, 1, 2, 3], ClientOptions);
        var expected = "";
        async Task Append(string token)
        {
            Assert.True((await client.AppendAsync("k", token)).IsOk, $"append {token}");
            expected += token;
        }
        await Append("a");
        var session = client.SessionId;

        Assert.IsType<MembershipChanged>(await cfg.ChangeMembership(new AddVoter("n4", cfg.AddressOf(3))));
        await Append("b");
        var first = await cfg.Leader();
        Assert.IsType<MembershipChanged>(await cfg.ChangeMembership(new RemoveMember(KvCluster.Id(first))));
        await Append("c");

        var leader = await cfg.Leader();
        Assert.NotEqual(first, leader);
        Assert.Equal(session, client.SessionId);
        var retry = await cfg.Send(client, leader, new KvRequest(session, 1, KvOperation.Append, "k", "a")); // the first append, sent again
        Assert.Equal(KvStatus.Ok, retry.Status);
        Assert.Equal(expected, (await client.GetAsync("k")).Value); // applied once
    }

    [Fact]
    public async Task Clients_stay_linearizable_and_lose_no_acknowledged_write_while_servers_are_added_promoted_removed_crashed_and_cut_off()
    {
        // Reference: Raft thesis §4 (single-server changes) and §6.3 (linearizable semantics) under churn, crashes and partitions
        var seed = int.TryParse(Environment.GetEnvironmentVariable("AKKARAFT_MEMBERSHIP_SEED"), out var pinned) ? pinned : 20261206;
        _output.WriteLine($"seed {seed} (replay with AKKARAFT_MEMBERSHIP_SEED={seed})");
        var random = new Random(seed);
        const int servers = 6, clients = 4, keys = 10;
        using var cfg = new KvCluster(Sys, servers, unreliable: false, seed: seed, members: 3);
        await cfg.AwaitRecovered();
        var history = new HistoryRecorder();
        var all = Enumerable.Range(0, servers).ToArray();
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<(string Key, string Token)>();
        var done = 0;
        var workers = Enumerable.Range(0, clients).Select(c => (Clerk: new LabClerk(cfg.MakeClient(all, ClientOptions), history, c), Random: new Random(random.Next()))).ToArray();
        var running = workers.Select((w, c) => Task.Run(async () =>
        {
            for (var n = 0; Volatile.Read(ref done) == 0; n++)
            {
                var key = $"k{w.Random.Next(keys)}";
                var token = $"[{c}.{n}]";
                switch (w.Random.Next(3))
                {
                    case 0: await w.Clerk.TryGet(key); break;
                    case 1: if ((await w.Clerk.TryAppend(key, token)).IsOk) acknowledged.Add((key, token)); break;
                    default: if ((await w.Clerk.TryPut(key, token)).IsOk) acknowledged.Add((key, "")); break;
                }
                // Paced, so the clients keep up their load through the whole churn while the history stays small enough
                // (tens of thousands of operations, not hundreds) for the checker to decide it rather than time out.
                await Task.Delay(w.Random.Next(2, 8));
            }
        })).ToArray();

        var down = new Dictionary<int, Stopwatch>();
        int? cutOff = null;
        var cutSince = new Stopwatch();
        var clock = Stopwatch.StartNew();
        var changes = 0;
        while ((clock.Elapsed < ChurnTime || changes < EnoughChanges) && clock.Elapsed < ChurnTime * 3)
        {
            await Task.Delay(random.Next(200, 700));
            foreach (var (i, since) in down.Where(d => d.Value.Elapsed > TimeSpan.FromSeconds(1)).ToArray())
            {
                cfg.StartServer(i);
                down.Remove(i);
                _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: restarted {KvCluster.Id(i)}");
            }
            if (cutOff is { } c && cutSince.Elapsed > TimeSpan.FromSeconds(1))
            {
                cfg.ConnectAll();
                cutOff = null;
                _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: reconnected {KvCluster.Id(c)}");
            }
            var leader = await LeaderMembers(cfg);
            if (leader is null) continue;
            var voters = leader.List.Where(m => m.IsVoter).Select(m => RaftCluster.IndexOf(m.Id)).ToArray();
            var learners = leader.List.Where(m => !m.IsVoter).Select(m => RaftCluster.IndexOf(m.Id)).ToArray();
            var outsiders = all.Except(voters).Except(learners).Where(i => !down.ContainsKey(i)).ToArray();
            var members = voters.Concat(learners).ToArray();
            object? request = null;
            switch (random.Next(6))
            {
                case 0 when outsiders.Length > 0 && voters.Length < 5:
                    var added = Pick(outsiders);
                    request = random.Next(2) == 0 ? new AddVoter(KvCluster.Id(added), cfg.AddressOf(added)) : new AddLearner(KvCluster.Id(added), cfg.AddressOf(added));
                    break;
                case 1 when learners.Length > 0:
                    request = new PromoteLearner(KvCluster.Id(Pick(learners)));
                    break;
                case 2 when voters.Length > 3 || learners.Length > 0:
                    request = new RemoveMember(KvCluster.Id(Pick(voters.Length > 3 ? members : learners)));
                    break;
                case 3 when down.Count == 0:
                    var crashed = Pick(members);
                    await cfg.ShutdownServer(crashed);
                    down[crashed] = Stopwatch.StartNew();
                    _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: crashed {KvCluster.Id(crashed)}");
                    break;
                case 4 when cutOff is null:
                    var cut = Pick(members);
                    cfg.Partition([cut], all.Where(i => i != cut).ToArray());
                    (cutOff, cutSince) = (cut, Stopwatch.StartNew());
                    _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: cut off {KvCluster.Id(cut)}");
                    break;
            }
            if (request is null) continue;
            var answer = await cfg.ChangeMembership(request, TimeSpan.FromSeconds(10));
            changes += answer is MembershipChanged ? 1 : 0;
            _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {request} -> {answer?.ToString() ?? "no answer"}");
        }
        Volatile.Write(ref done, 1);
        await Task.WhenAll(running);
        cfg.ConnectAll();
        foreach (var i in down.Keys) cfg.StartServer(i);
        await cfg.AwaitRecovered();

        var final = new LabClerk(cfg.MakeClient(all, ClientOptions), history, clients);
        var values = new Dictionary<string, string>();
        for (var k = 0; k < keys; k++) values[$"k{k}"] = await final.Get($"k{k}");
        Assert.True(changes >= 5, $"only {changes} membership changes committed");
        _output.WriteLine($"{changes} changes committed, {history.History.Count} operations, {acknowledged.Count} acknowledged writes");
        // No write is applied twice; that none was lost, the final reads in the history show the checker.
        foreach (var (key, token) in acknowledged.Where(a => a.Token.Length > 0))
            Assert.True(CountOf(values[key], token) <= 1, $"{token} appears more than once in {key}");
        var result = LinearizabilityChecker.Check(history.History, TimeSpan.FromSeconds(30));
        _output.WriteLine($"linearizability: {result}");
        Assert.Equal(CheckOutcome.Ok, result.Outcome);

        int Pick(int[] from) => from[random.Next(from.Length)];
    }

    private static int CountOf(string value, string token)
    {
        var count = 0;
        for (var at = value.IndexOf(token, StringComparison.Ordinal); at >= 0; at = value.IndexOf(token, at + token.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>The configuration as the leader of the highest term sees it; null while there is none.</summary>
    private static async Task<Members?> LeaderMembers(KvCluster cfg)
    {
        var states = await Task.WhenAll(Enumerable.Range(0, cfg.N).Select(cfg.GetState));
        var leader = states.Where(s => s is { IsLeader: true }).OrderByDescending(s => s!.Term).FirstOrDefault();
        return leader is null ? null : await cfg.GetMembers(RaftCluster.IndexOf(leader.PeerId));
    }
}
