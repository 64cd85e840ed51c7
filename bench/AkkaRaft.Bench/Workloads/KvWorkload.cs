using System.Globalization;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Bench;

/// <summary>
/// The replicated key-value store under load: per journal, client count and read mode, three fresh <see cref="KvServer"/>s
/// elect a leader, and one <see cref="KvDriver"/> runs the clients against the leader's server: first a put row (every
/// client writes its own key, through the log), then, in the same cluster, a get row (every client reads its key back,
/// through ReadIndex: no log entry, no journal write; with <c>akka.raft.reads = read-index</c> a heartbeat round, with
/// <c>lease</c> none while the leader's lease holds). Each row has its own warm-up and measured window.
/// </summary>
internal static class KvWorkload
{
    /// <summary>The row pair the read target compares: reads must be at least this many times faster than writes.</summary>
    private const string BarJournal = "rocksdb";
    private const int BarClients = 64;
    private const double Bar = 3.0;

    /// <summary>With both read modes measured: lease gets must be at least this many times faster than ReadIndex gets.</summary>
    private const double LeaseBar = 2.0;

    public static async Task<int> Run(BenchOptions options)
    {
        var reads = options.Reads ?? ["read-index"];
        var showReads = reads is not ["read-index"];
        var rows = new List<KvRunResult>();
        foreach (var journal in options.Journals ?? BenchOptions.KnownJournals)
        {
            foreach (var clients in options.Proposers)
            {
                foreach (var mode in reads)
                    rows.AddRange(await RunPair(journal, clients, mode, options, describeCluster: rows.Count == 0, showReads));
            }
        }
        Console.WriteLine();
        Console.Write(KvRunResult.Table(rows, showReads));

        // Reads against writes, in the first read mode's clusters (ReadIndex unless only lease was asked for).
        var label = showReads ? $"{BarJournal}, {BarClients} clients, {reads[0]}" : $"{BarJournal}, {BarClients} clients";
        var put = Find(rows, BarJournal, reads[0], KvOperation.Put);
        var get = Find(rows, BarJournal, reads[0], KvOperation.Get);
        Console.WriteLine(put is null || get is null
            ? $"reads/writes ({label}): not measured by this run (bar: at least {Bar:F0}x)"
            : Compare($"reads/writes ({label})", get.PerSecond, put.PerSecond, Bar));
        if (reads.Count > 1)
        {
            foreach (var journal in options.Journals ?? BenchOptions.KnownJournals)
            {
                var lease = Find(rows, journal, "lease", KvOperation.Get);
                var readIndex = Find(rows, journal, "read-index", KvOperation.Get);
                Console.WriteLine(lease is null || readIndex is null
                    ? $"lease/read-index gets ({journal}, {BarClients} clients): not measured by this run (bar: at least {LeaseBar:F0}x)"
                    : Compare($"lease/read-index gets ({journal}, {BarClients} clients)", lease.PerSecond, readIndex.PerSecond, LeaseBar));
            }
        }
        Console.WriteLine($"peak working set: {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB");
        return rows.Any(r => r.Failure is not null) ? 1 : 0;
    }

    private static KvRunResult? Find(List<KvRunResult> rows, string journal, string reads, KvOperation operation) =>
        rows.FirstOrDefault(r => r.Journal == journal && r.Reads == reads && r.Clients == BarClients && r.Operation == operation && r.Failure is null);

    private static string Compare(string what, double measured, double against, double bar)
    {
        var ratio = measured / against;
        return string.Create(CultureInfo.InvariantCulture,
            $"{what}: {measured:F0} / {against:F0} ops/s = {ratio:F2}x (bar: at least {bar:F0}x: {(ratio >= bar ? "met" : "NOT met")})");
    }

    private static async Task<KvRunResult[]> RunPair(string journal, int clients, string reads, BenchOptions options, bool describeCluster, bool showReads)
    {
        await using var cluster = BenchCluster.StartKv(journal, system => system.ActorOf(Props.Create(() => new KvDriver()), "clients"), reads);
        var leader = await cluster.WaitForLeader(TimeSpan.FromSeconds(10));
        if (describeCluster)
        {
            var s = cluster.Settings;
            Console.WriteLine($"cluster: key-value servers {string.Join(", ", s.Members)}, each running its Raft peer; election timeout " +
                              $"{s.ElectionTimeoutMin.TotalMilliseconds}-{s.ElectionTimeoutMax.TotalMilliseconds} ms, heartbeat {s.HeartbeatInterval.TotalMilliseconds} ms, " +
                              $"snapshot every {s.SnapshotLogEntries} entries");
            Console.WriteLine($"load: one request outstanding per client, sent straight to the leader's server; put = {KvDriver.ValueBytes}-byte value to the client's own key, " +
                              $"get = that key via ReadIndex{(showReads ? " (reads = read-index: a heartbeat round per batch; lease: none while the lease holds)" : "")}; warm-up {options.Warmup.TotalSeconds} s, measured {options.Duration.TotalSeconds} s per row");
        }
        Console.WriteLine($"  {journal} journal, {clients} client(s){(showReads ? $", reads = {reads}" : "")}: leader {leader.PeerId} at term {leader.Term}; puts, then gets ...");

        var server = cluster.Peer(leader.PeerId);
        var rows = new List<KvRunResult>();
        foreach (var operation in new[] { KvOperation.Put, KvOperation.Get })
        {
            if (rows.Any(r => r.Failure is not null))
            {
                rows.Add(KvRunResult.Failed(journal, reads, operation, clients, "not run: the row before it failed"));
                continue;
            }
            await cluster.Driver.Ask<Done>(new StartKv(server, operation, clients, Batch: !options.KvSingles), TimeSpan.FromSeconds(10));
            var (measurement, after) = await cluster.MeasureRow(leader, options.Warmup, options.WarmupMax, options.Duration);
            rows.Add(KvRunResult.From(journal, reads, operation, clients, measurement));
            // The heap as the last collection left it: forcing a full one here would stop the live cluster for as long as
            // it takes, on a big heap longer than an election timeout, and the next row would start with an election.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {operation.ToString().ToLowerInvariant()}: {measurement.Latency.Count:N0} measured; leader applied {after.LastApplied:N0}, snapshot at {after.SnapshotIndex:N0}, {after.LastLogIndex - after.SnapshotIndex:N0} log entries after it; " +
                $"heap {GC.GetGCMemoryInfo().HeapSizeBytes >> 20} MiB after the last collection"));
        }
        return rows.ToArray();
    }
}
