using System.Diagnostics;
using AkkaRaft.KeyValue;
using AkkaRaft.TestKit;
using AkkaRaft.Tests.KeyValue;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// Concurrent key-value clients of a <see cref="HostCluster"/>, every operation recorded in one history, until told to
/// stop. Appends of unique tokens go to append-only keys (so every acknowledged one can be looked for in the final
/// value); puts, appends and reads go to mixed keys (only the linearizability check speaks for them).
/// </summary>
internal sealed class KvWorkload
{
    private static readonly string[] AppendKeys = ["a0", "a1"];
    private static readonly string[] MixedKeys = ["m0", "m1"];

    private readonly HostCluster _cluster;
    private readonly KvClientOptions _options;
    private readonly int _clientCount;
    private readonly Task<List<AttemptedAppend>>[] _clients;
    private int _stop;

    private KvWorkload(HostCluster cluster, int clientCount, KvClientOptions options)
    {
        _cluster = cluster;
        _clientCount = clientCount;
        _options = options;
        _clients = Enumerable.Range(0, clientCount)
            .Select(cli => new { cli, clerk = new LabClerk(cluster.Client(options), History, cli), random = new Random(cli * 7919 + Environment.TickCount) })
            .Select(c => Task.Run(() => RunClient(c.cli, c.clerk, c.random)))
            .ToArray();
    }

    /// <summary>Every operation so far, with call and return times on <see cref="Stopwatch.GetTimestamp"/>'s clock.</summary>
    public HistoryRecorder History { get; } = new();

    /// <summary>
    /// Clients that give up on a server after 500 ms and try the next, so that a node cut off or stopped costs a client
    /// little; an operation gives up after 10 s.
    /// </summary>
    public static readonly KvClientOptions QuickClients = new()
    {
        AttemptTimeout = TimeSpan.FromMilliseconds(500),
        OperationTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Starts <paramref name="clientCount"/> clients of <paramref name="cluster"/> (by default <see cref="QuickClients"/>).</summary>
    public static KvWorkload Start(HostCluster cluster, int clientCount, KvClientOptions? options = null) => new(cluster, clientCount, options ?? QuickClients);

    /// <summary>The acknowledged writes called after the Stopwatch timestamp <paramref name="since"/>, earliest answer first.</summary>
    public IReadOnlyList<HistoryOperation> WritesSince(long since) =>
        History.History.Where(o => !o.OutcomeUnknown && o.Input.Kind != KvOpKind.Get && o.CallTime > since).OrderBy(o => o.ReturnTime).ToArray();

    /// <summary>Waits until <paramref name="count"/> writes called after <paramref name="since"/> have been acknowledged.</summary>
    public Task WaitForWrites(int count, long since, TimeSpan within, string what) =>
        HostCluster.Eventually(within, $"{count} writes {what}", () => Task.FromResult(WritesSince(since).Count >= count ? "" : null),
            () => $"{WritesSince(since).Count} so far");

    /// <summary>
    /// Stops the clients, reads every append-only key once more, and checks that every acknowledged append is in its
    /// key's final value exactly once and in the order its client issued it, that no append appears twice, and that the
    /// whole history is linearizable.
    /// </summary>
    public async Task StopAndCheck(ITestOutputHelper output)
    {
        Volatile.Write(ref _stop, 1);
        var attempted = (await Task.WhenAll(_clients)).SelectMany(a => a).ToArray();
        var reader = new LabClerk(_cluster.Client(_options), History, _clientCount);
        var finals = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in AppendKeys) finals[key] = await reader.Get(key);

        AssertEachAppendOnce(attempted.Select(a => (a.Key, a.Token, a.Acknowledged)), finals);
        // Each client waits for an answer before its next operation, so its acknowledged appends to a key are in order.
        foreach (var run in attempted.Where(a => a.Acknowledged).GroupBy(a => (a.Key, a.Client)))
        {
            var positions = run.Select(a => finals[a.Key].IndexOf(a.Token, StringComparison.Ordinal)).ToArray();
            if (!positions.Zip(positions.Skip(1), (earlier, later) => earlier < later).All(inOrder => inOrder))
                throw new XunitException($"client {run.Key.Client}'s acknowledged appends to {run.Key.Key} are out of order in the final value {finals[run.Key.Key]}");
        }
        output.WriteLine($"{attempted.Length} appends to {string.Join(", ", AppendKeys)}, {attempted.Count(a => a.Acknowledged)} acknowledged, each once and in order in the final values");

        AssertLinearizable(History, output);
    }

    /// <summary>
    /// Every acknowledged append is in its key's final value exactly once, and no append, acknowledged or not, appears
    /// twice (each is applied at most once).
    /// </summary>
    internal static void AssertEachAppendOnce(IEnumerable<(string Key, string Token, bool Acknowledged)> attempted, IReadOnlyDictionary<string, string> finals)
    {
        foreach (var (key, token, acknowledged) in attempted)
        {
            var count = Occurrences(finals[key], token);
            if (acknowledged && count != 1)
                throw new XunitException($"acknowledged Append({key}, {token}) appears {count} times in the final value");
            if (count > 1)
                throw new XunitException($"Append({key}, {token}) with unknown outcome appears {count} times in the final value");
        }
    }

    /// <summary>The whole history is linearizable: the check must finish within 30 s and find it so.</summary>
    internal static void AssertLinearizable(HistoryRecorder history, ITestOutputHelper output)
    {
        var operations = history.History;
        var clock = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(operations, TimeSpan.FromSeconds(30));
        output.WriteLine($"linearizability: {result.Outcome} ({operations.Count} operations, {operations.Count(o => o.OutcomeUnknown)} with unknown outcome, checked in {clock.ElapsedMilliseconds} ms)");
        Assert.True(result.Outcome == CheckOutcome.Ok, $"history of {operations.Count} operations: {result}");
    }

    /// <summary>One append to an append-only key, its unique token, and whether the client heard it was applied.</summary>
    private sealed record AttemptedAppend(int Client, string Key, string Token, bool Acknowledged);

    private async Task<List<AttemptedAppend>> RunClient(int cli, LabClerk clerk, Random random)
    {
        var appends = new List<AttemptedAppend>();
        for (var j = 0; Volatile.Read(ref _stop) == 0; j++)
        {
            var roll = random.Next(100);
            if (roll < 45)
            {
                var key = AppendKeys[random.Next(AppendKeys.Length)];
                var token = $"<{cli}.{j}>";
                appends.Add(new AttemptedAppend(cli, key, token, (await clerk.TryAppend(key, token)).IsOk));
            }
            else if (roll < 60) await clerk.TryGet(AppendKeys[random.Next(AppendKeys.Length)]);
            else if (roll < 70) await clerk.TryPut(MixedKeys[random.Next(MixedKeys.Length)], $"p{cli}.{j};");
            else if (roll < 80) await clerk.TryAppend(MixedKeys[random.Next(MixedKeys.Length)], $"a{cli}.{j};");
            else await clerk.TryGet(MixedKeys[random.Next(MixedKeys.Length)]);
        }
        return appends;
    }

    private static int Occurrences(string value, string token)
    {
        var count = 0;
        for (var at = value.IndexOf(token, StringComparison.Ordinal); at >= 0; at = value.IndexOf(token, at + token.Length, StringComparison.Ordinal))
            count++;
        return count;
    }
}
