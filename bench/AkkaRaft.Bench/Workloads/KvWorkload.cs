using System.Globalization;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Bench;

/// <summary>
/// The replicated key-value store under load: per journal and client count, three fresh <see cref="KvServer"/>s elect
/// a leader, and one <see cref="KvDriver"/> runs the clients against the leader's server: first a put row (every client
/// writes its own key, through the log), then, in the same cluster, a get row (every client reads its key back, through
/// ReadIndex: a heartbeat round, no log entry, no journal write). Each row has its own warm-up and measured window.
/// </summary>
internal static class KvWorkload
{
    /// <summary>The row pair the read target compares: reads must be at least this many times faster than writes.</summary>
    private const string BarJournal = "sqlite";
    private const int BarClients = 64;
    private const double Bar = 3.0;

    public static async Task<int> Run(BenchOptions options)
    {
        var rows = new List<KvRunResult>();
        foreach (var journal in options.Journals ?? BenchOptions.KnownJournals)
        {
            foreach (var clients in options.Proposers)
                rows.AddRange(await RunPair(journal, clients, options, describeCluster: rows.Count == 0));
        }
        Console.WriteLine();
        Console.Write(KvRunResult.Table(rows));

        var put = rows.FirstOrDefault(r => r is { Journal: BarJournal, Clients: BarClients, Operation: KvOperation.Put, Failure: null });
        var get = rows.FirstOrDefault(r => r is { Journal: BarJournal, Clients: BarClients, Operation: KvOperation.Get, Failure: null });
        if (put is null || get is null)
        {
            Console.WriteLine($"reads/writes ({BarJournal}, {BarClients} clients): not measured by this run (bar: at least {Bar:F0}x)");
        }
        else
        {
            var ratio = get.PerSecond / put.PerSecond;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"reads/writes ({BarJournal}, {BarClients} clients): {get.PerSecond:F0} / {put.PerSecond:F0} ops/s = {ratio:F2}x (bar: at least {Bar:F0}x: {(ratio >= Bar ? "met" : "NOT met")})"));
        }
        Console.WriteLine($"peak working set: {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB");
        return rows.Any(r => r.Failure is not null) ? 1 : 0;
    }

    private static async Task<KvRunResult[]> RunPair(string journal, int clients, BenchOptions options, bool describeCluster)
    {
        await using var cluster = BenchCluster.StartKv(journal, system => system.ActorOf(Props.Create(() => new KvDriver()), "clients"));
        var leader = await cluster.WaitForLeader(TimeSpan.FromSeconds(10));
        if (describeCluster)
        {
            var s = cluster.Settings;
            Console.WriteLine($"cluster: key-value servers {string.Join(", ", s.Members)}, each running its Raft peer; election timeout " +
                              $"{s.ElectionTimeoutMin.TotalMilliseconds}-{s.ElectionTimeoutMax.TotalMilliseconds} ms, heartbeat {s.HeartbeatInterval.TotalMilliseconds} ms, " +
                              $"snapshot every {s.SnapshotLogEntries} entries");
            Console.WriteLine($"load: one request outstanding per client, sent straight to the leader's server; put = {KvDriver.ValueBytes}-byte value to the client's own key, " +
                              $"get = that key via ReadIndex; warm-up {options.Warmup.TotalSeconds} s, measured {options.Duration.TotalSeconds} s per row");
        }
        Console.WriteLine($"  {journal} journal, {clients} client(s): leader {leader.PeerId} at term {leader.Term}; puts, then gets ...");

        var server = cluster.Peer(leader.PeerId);
        var rows = new List<KvRunResult>();
        foreach (var operation in new[] { KvOperation.Put, KvOperation.Get })
        {
            if (rows.Any(r => r.Failure is not null))
            {
                rows.Add(KvRunResult.Failed(journal, operation, clients, "not run: the row before it failed"));
                continue;
            }
            await cluster.Driver.Ask<Done>(new StartKv(server, operation, clients), TimeSpan.FromSeconds(10));
            var (measurement, after) = await cluster.MeasureRow(leader, options.Warmup, options.WarmupMax, options.Duration);
            rows.Add(KvRunResult.From(journal, operation, clients, measurement));
            // The heap as the last collection left it: forcing a full one here would stop the live cluster for as long as
            // it takes, on a big heap longer than an election timeout, and the next row would start with an election.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {operation.ToString().ToLowerInvariant()}: {measurement.Latency.Count:N0} measured; leader applied {after.LastApplied:N0}, snapshot at {after.SnapshotIndex:N0}, {after.LastLogIndex - after.SnapshotIndex:N0} log entries after it; " +
                $"heap {GC.GetGCMemoryInfo().HeapSizeBytes >> 20} MiB after the last collection"));
        }
        return rows.ToArray();
    }
}
