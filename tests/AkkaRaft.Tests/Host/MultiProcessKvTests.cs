using System.Diagnostics;
using System.Globalization;
using AkkaRaft.KeyValue;
using AkkaRaft.Tests.KeyValue;
using AkkaRaft.TestKit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// The key-value store as it ships: three Host <c>node</c> processes from hocon/cluster-3.hocon, each with its own
/// SQLite file, over Akka.Remote on loopback, and concurrent clients in the test process. The leader's process is
/// killed with SIGKILL while the clients run, and started again from its file.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class MultiProcessKvTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ClientCount = 4;

    /// <summary>Keys that only ever receive appends (and reads): every acknowledged token must be in the final value.</summary>
    private static readonly string[] AppendKeys = ["a0", "a1"];

    /// <summary>Keys that receive puts, appends and reads: only the linearizability check speaks for them.</summary>
    private static readonly string[] MixedKeys = ["m0", "m1"];

    /// <summary>How long the clients run at least in each phase: before the kill, while the node is down, after its restart.</summary>
    private static readonly TimeSpan Phase = TimeSpan.FromSeconds(1);

    /// <summary>How many writes each phase must see acknowledged (called within it) before it ends.</summary>
    private const int WritesPerPhase = 20;

    /// <summary>Generous bound on every wait: a busy two-core machine is slow, a broken cluster never gets there.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>
    /// An attempt at one node that gets no answer in this time moves on to the next node; an operation with no
    /// answer at all within the operation timeout is recorded with an unknown outcome.
    /// </summary>
    private static readonly KvClientOptions ClientOptions = new()
    {
        AttemptTimeout = TimeSpan.FromMilliseconds(500),
        OperationTimeout = TimeSpan.FromSeconds(20),
    };

    private HostCluster? _cluster;

    public async Task InitializeAsync() => _cluster = await HostCluster.Start(output, "cluster-3.hocon");

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    /// <summary>
    /// Raft §5.4 (leader completeness) and §8 (linearizable client semantics), with a crash of the real process: an
    /// acknowledged write survives the leader's SIGKILL, the whole history stays linearizable, and the killed node,
    /// restarted from its own SQLite file, recovers its log from it and catches up with the leader's commit index.
    /// </summary>
    [Fact]
    public async Task Killing_the_leaders_process_loses_no_acknowledged_write_and_the_restarted_node_catches_up()
    {
        var cluster = _cluster!;
        var clock = Stopwatch.StartNew();
        var first = await cluster.AgreedLeader(Bound);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {first.PeerId} leads at term {first.Term}");

        var history = new HistoryRecorder();
        var stop = 0;
        var clients = Enumerable.Range(0, ClientCount)
            .Select(cli => new { cli, clerk = new LabClerk(cluster.Client(ClientOptions), history, cli), random = new Random(cli * 7919 + Environment.TickCount) })
            .Select(c => Task.Run(() => RunClient(c.cli, c.clerk, c.random, () => Volatile.Read(ref stop) != 0)))
            .ToArray();

        await RunPhase(history, "writes acknowledged before the kill", since: 0);

        // Kill whichever node leads now.
        var victim = await cluster.AgreedLeader(Bound);
        var survivors = cluster.Ids.Where(id => id != victim.PeerId).ToArray();
        var oldPid = cluster.Process(victim.PeerId).ProcessId;
        var killedAt = Stopwatch.GetTimestamp();
        await cluster.Kill9(victim.PeerId);
        var next = await cluster.AgreedLeader(Bound, survivors);
        Assert.True(next.Term > victim.Term, $"the new leader's term {next.Term} is not past the killed leader's {victim.Term}");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: killed {victim.PeerId} (leader at term {victim.Term}); {next.PeerId} leads at term {next.Term}");

        // The two survivors serve the clients.
        var writesWhileDown = await RunPhase(history, $"writes called and acknowledged while {victim.PeerId} is down", since: killedAt);

        var restartedAt = Stopwatch.GetTimestamp();
        var restarted = await cluster.StartNode(victim.PeerId);
        Assert.NotEqual(oldPid, restarted.ProcessId);
        var recovered = await cluster.LogLine(victim.PeerId, @"recovered at term (\d+) with a snapshot up to (\d+) and log entries up to (\d+)", Bound);
        var recoveredUpTo = long.Parse(recovered.Groups[3].Value, CultureInfo.InvariantCulture);
        Assert.True(recoveredUpTo > 0, $"{victim.PeerId} restarted with an empty log: it did not recover from {cluster.DataDirectory(victim.PeerId)} ({recovered.Value})");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {victim.PeerId} restarted (pid {restarted.ProcessId}) with log entries up to {recoveredUpTo} from its file; {writesWhileDown} writes were acknowledged while it was down");

        await RunPhase(history, $"writes acknowledged after {victim.PeerId} restarted", since: restartedAt);
        Volatile.Write(ref stop, 1);
        var attempted = (await Task.WhenAll(clients)).SelectMany(a => a).ToArray();

        // A final read of every append-only key, recorded in the history like any other operation.
        var reader = new LabClerk(cluster.Client(ClientOptions), history, ClientCount);
        var finals = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in AppendKeys) finals[key] = await reader.Get(key);

        // (c) The restarted node reaches the commit index the leader holds once the clients have stopped.
        var leader = await cluster.AgreedLeader(Bound);
        var caughtUp = await HostCluster.Eventually(Bound, $"{victim.PeerId} applies up to the leader's commit index {leader.CommitIndex} at term {leader.Term}", async () =>
        {
            var state = await cluster.State(victim.PeerId);
            return state is not null && state.Term >= leader.Term && state.LastApplied >= leader.CommitIndex ? state : null;
        });
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: leader {leader.PeerId} commit {leader.CommitIndex}; {victim.PeerId} applied {caughtUp.LastApplied}");

        // (b) Every acknowledged append is in its key's final value exactly once; no append at all appears twice.
        var acknowledged = attempted.Count(a => a.Acknowledged);
        KvWorkload.AssertEachAppendOnce(attempted.Select(a => (a.Key, a.Token, a.Acknowledged)), finals);
        output.WriteLine($"{attempted.Length} appends to {string.Join(", ", AppendKeys)}, {acknowledged} acknowledged, every one of them in the final values");

        // (a) The whole history, every key, is linearizable.
        KvWorkload.AssertLinearizable(history, output);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: done");
    }

    /// <summary>One append to an append-only key, its unique token, and whether the client heard it was applied.</summary>
    private sealed record AttemptedAppend(string Key, string Token, bool Acknowledged);

    /// <summary>
    /// A client of random operations until told to stop: appends of unique tokens to the append-only keys, puts and
    /// appends to the mixed keys, reads of both. An operation that times out is recorded with an unknown outcome.
    /// </summary>
    private static async Task<List<AttemptedAppend>> RunClient(int cli, LabClerk clerk, Random random, Func<bool> done)
    {
        var appends = new List<AttemptedAppend>();
        for (var j = 0; !done(); j++)
        {
            var roll = random.Next(100);
            if (roll < 45)
            {
                var key = AppendKeys[random.Next(AppendKeys.Length)];
                var token = $"<{cli}.{j}>";
                var result = await clerk.TryAppend(key, token);
                appends.Add(new AttemptedAppend(key, token, result.IsOk));
            }
            else if (roll < 60)
            {
                await clerk.TryGet(AppendKeys[random.Next(AppendKeys.Length)]);
            }
            else if (roll < 70)
            {
                await clerk.TryPut(MixedKeys[random.Next(MixedKeys.Length)], $"p{cli}.{j};");
            }
            else if (roll < 80)
            {
                await clerk.TryAppend(MixedKeys[random.Next(MixedKeys.Length)], $"a{cli}.{j};");
            }
            else
            {
                await clerk.TryGet(MixedKeys[random.Next(MixedKeys.Length)]);
            }
        }
        return appends;
    }

    /// <summary>
    /// Lets the clients run for at least <see cref="Phase"/> and until <see cref="WritesPerPhase"/> writes called after
    /// the Stopwatch timestamp <paramref name="since"/> have been acknowledged; returns how many were.
    /// </summary>
    private static async Task<int> RunPhase(HistoryRecorder history, string what, long since)
    {
        var phase = Task.Delay(Phase);
        int Count() => history.History.Count(o => !o.OutcomeUnknown && o.Input.Kind != KvOpKind.Get && o.CallTime > since);
        await HostCluster.Eventually(Bound, $"{WritesPerPhase} {what}", () => Task.FromResult(Count() >= WritesPerPhase ? "" : null), () => $"{Count()} so far");
        await phase;
        return Count();
    }
}
