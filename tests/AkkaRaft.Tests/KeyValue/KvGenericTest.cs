using System.Diagnostics;
using AkkaRaft.Actors;
using AkkaRaft.KeyValue;
using AkkaRaft.TestKit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.KeyValue;

/// <summary>
/// The lab's Put/Append/Get helpers: a client whose every operation goes into the test's history, so that the
/// whole run can be checked for linearizability at the end. A missing key is recorded as "", as the checker's
/// model reads it.
/// </summary>
internal sealed class LabClerk(KvClient client, HistoryRecorder history, int id)
{
    public KvClient Client => client;

    public Task<KvResult> TryPut(string key, string value) => Record(KvInput.Put(key, value), () => client.PutAsync(key, value));

    public Task<KvResult> TryAppend(string key, string value) => Record(KvInput.Append(key, value), () => client.AppendAsync(key, value));

    public Task<KvResult> TryGet(string key) => Record(KvInput.Get(key), () => client.GetAsync(key));

    public async Task Put(string key, string value) => Require(await TryPut(key, value), $"Put({key})");

    public async Task Append(string key, string value) => Require(await TryAppend(key, value), $"Append({key})");

    public async Task<string> Get(string key) => Require(await TryGet(key), $"Get({key})").Value ?? "";

    /// <summary>The lab's check: a Get of <paramref name="key"/> returns exactly <paramref name="expected"/>.</summary>
    public async Task Check(string key, string expected)
    {
        var v = await Get(key);
        if (v != expected) throw new XunitException($"Get({key}): expected:\n{expected}\nreceived:\n{v}");
    }

    private async Task<KvResult> Record(KvInput input, Func<Task<KvResult>> run)
    {
        var pending = history.Begin(id, input);
        var result = await run();
        if (result.IsOk) history.End(pending, result.Value ?? "");
        else history.TimedOut(pending);
        return result;
    }

    /// <summary>The lab's clerk never gives up; ours does after its OperationTimeout, which in a lab test means the service made no progress.</summary>
    private KvResult Require(KvResult result, string what) =>
        result.IsOk ? result : throw new XunitException(result.Outcome == KvOutcome.SessionExpired
            ? $"client {id}: {what}: its session expired, which a lab test (far fewer clients than the bound) never causes"
            : $"client {id}: {what} timed out: the service made no progress for a whole operation timeout");
}

/// <summary>
/// The lab's GenericTest for the key-value service (kvraft test_test.go), and the checks the lab's tests share.
/// Clients run for about 5 s, each appending tokens to its own key and checking that every Get returns exactly its
/// appends so far (or, for the linearizable variants, working on random keys); a partitioner may re-split the servers
/// meanwhile; then the network heals, with "crash" every server is shut down and restarted from its journal, and each
/// client's key must hold all its appends, once each, in order. Three such iterations. The whole history is then checked
/// for linearizability (Raft thesis §6.3: the service must behave as one sequential store).
/// </summary>
internal sealed class KvGenericTest
{
    /// <summary>How many times the scenario runs in one test.</summary>
    public const int Iterations = 3;

    /// <summary>How long the clients run in each iteration (the lab's 5 s).</summary>
    public static readonly TimeSpan ClientRunTime = TimeSpan.FromSeconds(5);

    /// <summary>How long the clients run alone before the partitioner starts (the lab's 1 s).</summary>
    public static readonly TimeSpan QuietStart = TimeSpan.FromSeconds(1);

    /// <summary>How long the linearizability search may take before it reports Unknown.</summary>
    public static readonly TimeSpan LinearizabilityCheckTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Generous per-operation deadline: a client in the lab never gives up, and an operation sent into a minority must
    /// survive until the partition heals; only a service that makes no progress at all for this long times out. A lost
    /// request or reply fails its attempt at once (see <see cref="KvCluster"/>), as in the lab's network.
    /// </summary>
    public static readonly KvClientOptions ClientOptions = new()
    {
        AttemptTimeout = TimeSpan.FromMilliseconds(500),
        OperationTimeout = TimeSpan.FromSeconds(30),
    };

    private readonly ActorSystem _system;
    private readonly ITestOutputHelper _output;

    public KvGenericTest(ActorSystem system, ITestOutputHelper output)
    {
        _system = system;
        _output = output;
    }

    /// <summary>
    /// The lab's GenericTest(nclients, nservers, unreliable, crash, partitions, maxraftstate, randomkeys).
    /// <paramref name="maxRaftState"/> of -1 means no snapshots (and then none may exist). <paramref name="tune"/>
    /// changes every peer's settings.
    /// </summary>
    public async Task Run(string test, int nclients, int nservers, bool unreliable, bool crash, bool partitions, long maxRaftState, bool randomKeys,
        Func<RaftSettings, RaftSettings>? tune = null)
    {
        var random = SeededRandom(_output, test, out var seed);
        _output.WriteLine($"{test}: {nclients} clients, {nservers} servers, unreliable={unreliable}, crash={crash}, partitions={partitions}, maxraftstate={maxRaftState}, randomkeys={randomKeys}");
        using var cfg = new KvCluster(_system, nservers, unreliable, maxRaftState, seed, tune: tune);
        await cfg.AwaitRecovered();
        var history = new HistoryRecorder();
        var all = Enumerable.Range(0, nservers).ToArray();
        var ck = new LabClerk(cfg.MakeClient(all, ClientOptions), history, nclients);
        var clock = Stopwatch.StartNew();

        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var doneClients = 0;
            var donePartitioner = 0;
            var clerks = Enumerable.Range(0, nclients)
                .Select(cli => new LabClerk(cfg.MakeClient(all, ClientOptions), history, cli))
                .ToArray();
            var seeds = clerks.Select(_ => random.Next()).ToArray();
            var clients = Enumerable.Range(0, nclients)
                .Select(cli => Task.Run(() => RunClient(cli, clerks[cli], new Random(seeds[cli]), nclients, randomKeys, () => Volatile.Read(ref doneClients) != 0)))
                .ToArray();

            Task? partitioner = null;
            if (partitions)
            {
                // Let the clients perform some operations without interruption.
                await Task.Delay(QuietStart);
                var partitionerRandom = new Random(random.Next());
                partitioner = Task.Run(() => Partitioner(cfg, partitionerRandom, () => Volatile.Read(ref donePartitioner) != 0));
            }
            await Task.Delay(ClientRunTime);

            Volatile.Write(ref doneClients, 1);     // tell the clients to quit
            Volatile.Write(ref donePartitioner, 1); // tell the partitioner to quit

            if (partitioner is not null)
            {
                await partitioner;
                // Reconnect the network. A client may have sent a request into a minority; it does not return
                // until that server learns of a newer term.
                cfg.ConnectAll();
                await Task.Delay(cfg.ElectionTimeout);
            }

            if (crash)
            {
                for (var i = 0; i < nservers; i++) await cfg.ShutdownServer(i);
                // The lab waits here because its shutdown is not instantaneous; ours is, but keep the pause.
                await Task.Delay(cfg.ElectionTimeout);
                for (var i = 0; i < nservers; i++) cfg.StartServer(i);
                await cfg.AwaitRecovered();
                cfg.ConnectAll();
            }

            var appends = new int[nclients];
            for (var cli = 0; cli < nclients; cli++)
            {
                appends[cli] = await clients[cli];
                var v = await ck.Get(cli.ToString());
                if (!randomKeys) CheckClntAppends(cli, v, appends[cli]);
            }
            _output.WriteLine($"iteration {iteration} done at {clock.Elapsed.TotalSeconds:F1} s; writes per client: {string.Join(" ", appends)}");

            if (maxRaftState > 0)
            {
                // Check the maximum after the servers have processed every client request and had time to snapshot.
                var sz = await cfg.LogSize();
                _output.WriteLine($"iteration {iteration}: log size {sz} bytes, snapshot {await cfg.SnapshotSize()} bytes");
                if (sz > 8 * maxRaftState) throw new XunitException($"logs were not trimmed ({sz} > 8*{maxRaftState})");
            }
            if (maxRaftState < 0)
            {
                // Snapshots must not be used without a threshold.
                var ssz = await cfg.SnapshotSize();
                if (ssz > 0) throw new XunitException($"snapshot too large ({ssz}), should not be used when maxraftstate = {maxRaftState}");
            }
        }

        foreach (var g in history.History.Where(o => !o.OutcomeUnknown).GroupBy(o => o.Input.Kind))
        {
            var d = g.Select(o => (o.ReturnTime - o.CallTime) * 1000.0 / Stopwatch.Frequency).OrderBy(x => x).ToArray();
            _output.WriteLine($"latency of {g.Key}: n={d.Length} p50={d[d.Length / 2]:F0} p90={d[d.Length * 9 / 10]:F0} max={d[^1]:F0} ms");
        }
        CheckHistory(_output, history);
    }

    /// <summary>One client of the generic test; returns how many writes it made (its appends, or with random keys its Puts and Appends).</summary>
    private static async Task<int> RunClient(int cli, LabClerk clerk, Random random, int nclients, bool randomKeys, Func<bool> done)
    {
        var j = 0;
        var last = ""; // only used without random keys
        if (!randomKeys) await clerk.Put(cli.ToString(), last);
        while (!done())
        {
            var key = randomKeys ? random.Next(nclients).ToString() : cli.ToString();
            var nv = $"x {cli} {j} y";
            if (random.Next(1000) < 500)
            {
                if (randomKeys) await clerk.TryAppend(key, nv); // a timeout is recorded with unknown outcome
                else
                {
                    await clerk.Append(key, nv);
                    last += nv;
                }
                j++;
            }
            else if (randomKeys && random.Next(1000) < 100)
            {
                // Only with random keys: a Put would break the check after Get below.
                await clerk.TryPut(key, nv);
                j++;
            }
            else if (randomKeys)
            {
                await clerk.TryGet(key);
            }
            else
            {
                var v = await clerk.Get(key);
                if (v != last) throw new XunitException($"get wrong value, key {key}, wanted:\n{last}\n, got\n{v}");
            }
        }
        return j;
    }

    /// <summary>The lab's partitioner: every ET + 0-200 ms, split the servers into two random groups.</summary>
    private static async Task Partitioner(KvCluster cfg, Random random, Func<bool> done)
    {
        while (!done())
        {
            var side = Enumerable.Range(0, cfg.N).Select(_ => random.Next(2)).ToArray();
            var p0 = Enumerable.Range(0, cfg.N).Where(i => side[i] == 0).ToArray();
            var p1 = Enumerable.Range(0, cfg.N).Where(i => side[i] == 1).ToArray();
            cfg.Partition(p0, p1);
            await Task.Delay(cfg.ElectionTimeout + TimeSpan.FromMilliseconds(random.Next(200)));
        }
    }

    /// <summary>The lab's checkClntAppends: client <paramref name="clnt"/>'s <paramref name="count"/> appends are each in <paramref name="v"/> once, in order.</summary>
    public static void CheckClntAppends(int clnt, string v, int count)
    {
        var lastoff = -1;
        for (var j = 0; j < count; j++)
        {
            var wanted = $"x {clnt} {j} y";
            var off = v.IndexOf(wanted, StringComparison.Ordinal);
            if (off < 0) throw new XunitException($"{clnt} missing element {wanted} in Append result {v}");
            var off1 = v.LastIndexOf(wanted, StringComparison.Ordinal);
            if (off1 != off) throw new XunitException($"duplicate element {wanted} in Append result");
            if (off <= lastoff) throw new XunitException($"wrong order for element {wanted} in Append result");
            lastoff = off;
        }
    }

    /// <summary>The lab's checkConcurrentAppends: every client i's counts[i] appends are in <paramref name="v"/> once each, each client's in order.</summary>
    public static void CheckConcurrentAppends(string v, int[] counts)
    {
        for (var i = 0; i < counts.Length; i++) CheckClntAppends(i, v, counts[i]);
    }

    /// <summary>
    /// Fails on a history that is not linearizable. A search that runs out of time is inconclusive, as in the lab's
    /// porcupine: it only warns.
    /// </summary>
    public static void CheckHistory(ITestOutputHelper output, HistoryRecorder history)
    {
        var operations = history.History;
        var clock = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(operations, LinearizabilityCheckTimeout);
        output.WriteLine($"linearizability: {result.Outcome} ({operations.Count} operations, {operations.Count(o => o.OutcomeUnknown)} with unknown outcome, checked in {clock.ElapsedMilliseconds} ms)");
        switch (result.Outcome)
        {
            case CheckOutcome.Illegal:
                throw new XunitException($"history is not linearizable: {result.Description}");
            case CheckOutcome.Unknown:
                output.WriteLine($"WARNING: linearizability check timed out, assuming the history is ok: {result.Description}");
                break;
        }
    }

    /// <summary>A seeded source for the test's random choices; the seed goes to the output so a failure can be replayed.</summary>
    public static Random SeededRandom(ITestOutputHelper output, string test, out int seed)
    {
        seed = int.TryParse(Environment.GetEnvironmentVariable("AKKARAFT_LAB_SEED"), out var pinned) ? pinned : Random.Shared.Next(1, int.MaxValue);
        output.WriteLine($"{test}: seed {seed} (replay with AKKARAFT_LAB_SEED={seed})");
        return new Random(seed);
    }
}

/// <summary>The lab's GenericTestSpeed: 1,000 sequential appends by one client, at most a third of a 100 ms heartbeat each.</summary>
internal static class KvSpeed
{
    public static async Task Run(ActorSystem system, ITestOutputHelper output, string test, long maxRaftState)
    {
        const int nservers = 3;
        const int numOps = 1000;
        using var cfg = new KvCluster(system, nservers, unreliable: false, maxRaftState);
        var history = new HistoryRecorder();
        var ck = new LabClerk(cfg.MakeClient(Enumerable.Range(0, nservers).ToArray(), KvGenericTest.ClientOptions), history, 0);

        // Wait until the first operation completes, so a leader is elected and the servers are ready.
        await ck.Get("x");

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < numOps; i++) await ck.Append("x", $"x 0 {i} y");
        var dur = clock.Elapsed;

        var v = await ck.Get("x");
        KvGenericTest.CheckClntAppends(0, v, numOps);

        // The heartbeat interval is about 100 ms; at least 3 operations must complete per interval.
        var heartbeatInterval = TimeSpan.FromMilliseconds(100);
        const int opsPerInterval = 3;
        var timePerOp = heartbeatInterval / opsPerInterval;
        output.WriteLine($"{test}: {numOps} appends in {dur.TotalMilliseconds:F0} ms, {dur.TotalMilliseconds / numOps:F2} ms/op (bound {timePerOp.TotalMilliseconds:F1} ms/op)");
        if (dur > numOps * timePerOp)
            throw new XunitException($"Operations completed too slowly {dur.TotalMilliseconds / numOps:F2} ms/op > {timePerOp.TotalMilliseconds:F1} ms/op");

        if (maxRaftState > 0)
        {
            var sz = await cfg.LogSize();
            output.WriteLine($"{test}: log size {sz} bytes");
        }

        KvGenericTest.CheckHistory(output, history);
    }
}
