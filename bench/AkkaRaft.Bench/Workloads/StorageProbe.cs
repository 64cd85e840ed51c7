using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using RocksDbSharp;

namespace AkkaRaft.Bench;

/// <summary>
/// --storage: what one synced 64-byte write costs on the disk under a directory, through three paths a Raft log could
/// take: a plain file append followed by fsync, a RocksDB put with a synced WAL, and a SQLite transaction in WAL mode
/// with synchronous=FULL; RocksDB and SQLite also with several writer threads at once, to see whether concurrent
/// synced writes share an fsync (RocksDB's write group does; SQLite takes one writer at a time). Two rows place a
/// peer's append: three files written at once (a group's peers on one disk), and an event persisted through the
/// RocksDB journal plugin (<see cref="PersistProbe"/>). Rows alternate within each round, the round's first row
/// rotating, and the table gives each row's medians over the rounds.
/// </summary>
internal static partial class StorageProbe
{
    private const int RecordBytes = 64;

    /// <summary>Writers of the files row: a group's three peers, each appending to its own log on the one disk.</summary>
    private const int Replicas = 3;

    public static int Run(BenchOptions options)
    {
        var root = Path.GetFullPath(options.DataDirectory ?? Path.GetTempPath());
        if (!Directory.Exists(root))
        {
            Console.Error.WriteLine($"--data-dir: '{root}' does not exist");
            return 2;
        }
        var writers = options.StorageWriters;
        (string Path, int Writers)[] rows = writers > 1
            ? [("file", 1), ("file", Replicas), ("rocksdb", 1), ("journal", 1), ("sqlite", 1), ("rocksdb", writers), ("sqlite", writers)]
            : [("file", 1), ("file", Replicas), ("rocksdb", 1), ("journal", 1), ("sqlite", 1)];
        Console.WriteLine($"storage: {options.StorageWrites} synced {RecordBytes}-byte writes per row after {Warmup(options.StorageWrites)} unmeasured, " +
                          $"{options.StorageRounds} round(s), rows alternating; data under {root}");
        var results = rows.ToDictionary(r => r, _ => new List<StorageResult>());
        for (var round = 0; round < options.StorageRounds; round++)
        {
            for (var k = 0; k < rows.Length; k++)
            {
                var row = rows[(k + round) % rows.Length];
                var directory = Directory.CreateDirectory(Path.Combine(root, $"storage-probe-{Guid.NewGuid():N}")).FullName;
                var result = Measure(row.Path, row.Writers, options.StorageWrites, directory);
                results[row].Add(result);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round + 1}: {row.Path}, {row.Writers} writer(s): {result.Latency.PerSecond:F0} writes/s, p50 {result.Latency.P50Ms:F3} ms, " +
                    $"p99 {result.Latency.P99Ms:F3} ms{(result.SyncsPerWrite is { } s ? $", {s:F3} syncs/write" : "")}"));
            }
        }
        Console.WriteLine();
        Console.Write(Table(rows.Select(r => (r.Path, r.Writers, results[r])).ToArray(), options.StorageRounds));
        return 0;
    }

    /// <summary>The writes before the measured ones: a tenth, at least 20.</summary>
    private static int Warmup(int writes) => Math.Max(20, writes / 10);

    private static StorageResult Measure(string path, int writers, int writes, string directory)
    {
        try
        {
            if (path == "journal") return new StorageResult(PersistProbe.Measure(directory, writes, Warmup(writes), RecordBytes), null);
            using ISyncedStore store = path switch
            {
                "file" => new FileStore(directory, writers),
                "rocksdb" => new RocksStore(directory),
                _ => new SqliteStore(directory, writers),
            };
            return Drive(store, writers, writes);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// <paramref name="writers"/> threads, each writing its share of <paramref name="writes"/> one at a time after its
    /// warm-up; the window runs from the first writer's first measured write until the last writer is done (each
    /// writer's own clock: the timing thread may be scheduled only after a fast writer has finished).
    /// </summary>
    private static StorageResult Drive(ISyncedStore store, int writers, int writes)
    {
        var recorders = new LatencyRecorder[writers];
        var starts = new long[writers];
        var ends = new long[writers];
        using var warmedUp = new Barrier(writers + 1);
        using var go = new Barrier(writers + 1);
        Exception? failure = null;
        var threads = Enumerable.Range(0, writers).Select(w => new Thread(() =>
        {
            var recorder = recorders[w] = new LatencyRecorder();
            var share = writes / writers + (w < writes % writers ? 1 : 0);
            var record = new byte[RecordBytes];
            var sequence = (long)w << 40;
            var phase = 0; // 0 warming up, 1 warmed up, 2 measuring
            try
            {
                var writer = store.Writer(w);
                for (var i = 0; i < Warmup(writes) / writers + 1; i++) Write(writer, record, ++sequence);
                warmedUp.SignalAndWait();
                phase = 1;
                go.SignalAndWait();
                phase = 2;
                starts[w] = Stopwatch.GetTimestamp();
                for (var i = 0; i < share; i++)
                {
                    var t = Stopwatch.GetTimestamp();
                    Write(writer, record, ++sequence);
                    recorder.Add(Stopwatch.GetTimestamp() - t);
                }
                ends[w] = Stopwatch.GetTimestamp();
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                // Failed before the window: let the others (and the timing thread) through the barriers without it.
                if (phase == 0) warmedUp.RemoveParticipant();
                if (phase <= 1) go.RemoveParticipant();
            }
        }) { IsBackground = true, Name = $"storage-writer-{w}" }).ToArray();
        foreach (var t in threads) t.Start();
        warmedUp.SignalAndWait();
        var before = store.Counters();
        go.SignalAndWait();
        foreach (var t in threads) t.Join();
        if (failure is not null) throw new InvalidOperationException($"a {store.GetType().Name} writer failed: {failure.Message}", failure);
        var after = store.Counters();
        var elapsed = Stopwatch.GetElapsedTime(starts.Min(), ends.Max());
        var all = new LatencyRecorder();
        foreach (var r in recorders) all.Add(r);
        double? syncsPerWrite = before is { } b && after is { } a && a.Writes > b.Writes ? (double)(a.Syncs - b.Syncs) / (a.Writes - b.Writes) : null;
        return new StorageResult(all.Summarize(elapsed), syncsPerWrite);
    }

    private static void Write(Action<byte[]> writer, byte[] record, long sequence)
    {
        BinaryPrimitives.WriteInt64BigEndian(record, sequence);
        writer(record);
    }

    private static string Table(IReadOnlyList<(string Path, int Writers, List<StorageResult> Runs)> rows, int rounds)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"| path | writers | writes/s | p50 ms | p99 ms | fsyncs per write | writes/s vs the file's |");
        text.AppendLine("|---|--:|--:|--:|--:|--:|--:|");
        // The disk's speed drifts within seconds on a shared machine; rows of one round ran next to each other.
        var file = rows.First(r => r.Path == "file" && r.Writers == 1).Runs;
        foreach (var (path, writers, runs) in rows)
        {
            var syncs = runs.Where(r => r.SyncsPerWrite is not null).Select(r => r.SyncsPerWrite!.Value).ToArray();
            var syncText = path == "file" ? "1" : syncs.Length > 0 ? Median(syncs).ToString("F2", CultureInfo.InvariantCulture) : "";
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Describe(path, writers)} | {writers} | {Median(runs.Select(r => r.Latency.PerSecond)):N0} | {Median(runs.Select(r => r.Latency.P50Ms)):F3} | " +
                $"{Median(runs.Select(r => r.Latency.P99Ms)):F3} | {syncText} | {Median(runs.Select((r, i) => r.Latency.PerSecond / file[i].Latency.PerSecond)):F2}x |"));
        }
        text.AppendLine($"(medians over {rounds} round(s); the fsyncs of RocksDB rows are its WAL syncs per write, from its statistics; " +
                        "the last column: a row's writes/s over the file's in the same round)");
        return text.ToString();
    }

    private static string Describe(string path, int writers) => path switch
    {
        "file" when writers > 1 => "FileStream append + Flush(true), a file per writer",
        "file" => "FileStream append + Flush(true)",
        "journal" => "Akka.Persistence PersistAsync to its handler, RocksDB journal",
        "rocksdb" => "RocksDB Put, sync = true",
        _ => "SQLite WAL, synchronous=FULL, a row per transaction",
    };

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record StorageResult(LatencySummary Latency, double? SyncsPerWrite);

    /// <summary>A place for synced writes: a write function per writer thread, and its sync counters where it has them.</summary>
    private interface ISyncedStore : IDisposable
    {
        /// <summary>Writes one record and returns once it is synced to the disk; called from writer <paramref name="index"/>'s thread only.</summary>
        Action<byte[]> Writer(int index);

        (long Syncs, long Writes)? Counters();
    }

    /// <summary>A file per writer, appended to without a buffer and fsynced (<c>Flush(true)</c>) after each record.</summary>
    private sealed class FileStore(string directory, int writers) : ISyncedStore
    {
        private readonly FileStream[] _streams = Enumerable.Range(0, writers)
            .Select(i => new FileStream(Path.Combine(directory, $"log-{i}.bin"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            .ToArray();

        public Action<byte[]> Writer(int index)
        {
            var stream = _streams[index];
            return record =>
            {
                stream.Write(record);
                stream.Flush(flushToDisk: true);
            };
        }

        public (long Syncs, long Writes)? Counters() => null;

        public void Dispose()
        {
            foreach (var stream in _streams) stream.Dispose();
        }
    }

    /// <summary>A RocksDB database with defaults and statistics on; each put waits for its WAL to be synced.</summary>
    private sealed partial class RocksStore : ISyncedStore
    {
        private readonly DbOptions _options = new DbOptions().SetCreateIfMissing(true).EnableStatistics();
        private readonly WriteOptions _synced = new WriteOptions().SetSync(true);
        private readonly RocksDb _db;

        public RocksStore(string directory) => _db = RocksDb.Open(_options, directory);

        public Action<byte[]> Writer(int index)
        {
            var key = new byte[8];
            return record =>
            {
                record.AsSpan(0, 8).CopyTo(key);
                _db.Put(key, record, writeOptions: _synced);
            };
        }

        /// <summary>The tickers rocksdb.wal.synced (WAL syncs) and rocksdb.write.wal (writes through the WAL).</summary>
        public (long Syncs, long Writes)? Counters()
        {
            var stats = _options.GetStatisticsString();
            return (Ticker(stats, "rocksdb.wal.synced"), Ticker(stats, "rocksdb.write.wal"));
        }

        private static long Ticker(string stats, string name)
        {
            var match = TickerLine().Matches(stats).FirstOrDefault(m => m.Groups[1].Value == name)
                ?? throw new InvalidOperationException($"RocksDB's statistics have no ticker {name}");
            return long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        }

        [GeneratedRegex(@"^(\S+) COUNT : (\d+)", RegexOptions.Multiline)]
        private static partial Regex TickerLine();

        public void Dispose() => _db.Dispose();
    }

    /// <summary>A SQLite file in WAL mode with synchronous=FULL, a connection per writer, one row inserted per transaction.</summary>
    private sealed class SqliteStore : ISyncedStore
    {
        private readonly string _connectionString;
        private readonly SqliteConnection[] _connections;

        public SqliteStore(string directory, int writers)
        {
            _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "log.db"), Pooling = false, DefaultTimeout = 60 }.ToString();
            _connections = new SqliteConnection[writers];
            using var setup = new SqliteConnection(_connectionString);
            setup.Open();
            Execute(setup, "PRAGMA journal_mode=WAL; CREATE TABLE log (id INTEGER PRIMARY KEY, record BLOB NOT NULL);");
        }

        public Action<byte[]> Writer(int index)
        {
            var connection = _connections[index] = new SqliteConnection(_connectionString);
            connection.Open();
            // synchronous is per connection: FULL syncs the WAL at every commit. The busy timeout lets SQLite's own
            // handler wait for the write lock another writer holds.
            Execute(connection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=60000;");
            var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO log (record) VALUES ($record)";
            var parameter = insert.Parameters.Add("$record", SqliteType.Blob);
            insert.Prepare();
            return record =>
            {
                // Outside an explicit transaction each INSERT is its own transaction, committed (and synced) on return.
                parameter.Value = record;
                insert.ExecuteNonQuery();
            };
        }

        public (long Syncs, long Writes)? Counters() => null;

        private static void Execute(SqliteConnection connection, string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        public void Dispose()
        {
            foreach (var c in _connections) c?.Dispose();
        }
    }
}
