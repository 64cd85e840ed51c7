using System.Globalization;

namespace AkkaRaft.Bench;

/// <summary>What one invocation measures, read from the command line.</summary>
internal sealed record BenchOptions(
    IReadOnlyList<int> Proposers,
    TimeSpan Warmup,
    TimeSpan Duration,
    int CommandBytes,
    IReadOnlyList<string> Modes,
    int FailoverTrials,
    string? OutDirectory,
    bool Quick = false,
    IReadOnlyList<string>? Journals = null,
    int RestartCommands = 0,
    bool KeyValue = false,
    IReadOnlyList<string>? Reads = null)
{
    /// <summary>With --catch-up: entries committed before the learner of each catch-up run is added; 0 without --catch-up.</summary>
    public int CatchUpEntries { get; init; }

    /// <summary>With --catch-up: catch-up runs, and pairs of throughput rows (without and with learners).</summary>
    public int CatchUpRuns { get; init; } = 3;

    /// <summary>
    /// With --catch-up: the size of the state the peers' stand-in state machine snapshots; by default what the
    /// <see cref="CatchUpEntries"/> commands wrote (<see cref="CommandBytes"/> each, as a key-value store with a key per command).
    /// </summary>
    public int SnapshotBytes { get; init; }

    /// <summary>With --catch-up: the peers' <c>akka.raft.snapshot.log-entries</c>.</summary>
    public int SnapshotEvery { get; init; } = 10_000;

    /// <summary>--metrics: a listener subscribed to every AkkaRaft instrument for the whole run (<see cref="BenchMetrics"/>).</summary>
    public bool Metrics { get; init; }

    /// <summary>--kv-singles: key-value clients send one request per message instead of batching those ready together.</summary>
    public bool KvSingles { get; init; }

    /// <summary>--storage: measure synced writes (file, RocksDB, SQLite) instead of a cluster.</summary>
    public bool Storage { get; init; }

    /// <summary>With --storage: the directory whose disk is measured; null for the temporary directory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>With --storage: measured synced writes per row, shared among its writers.</summary>
    public int StorageWrites { get; init; } = 2000;

    /// <summary>With --storage: writer threads of the concurrent RocksDB and SQLite rows (1: no such rows).</summary>
    public int StorageWriters { get; init; } = 8;

    /// <summary>With --storage: rounds of every row, alternating; the table gives medians over them.</summary>
    public int StorageRounds { get; init; } = 5;

    /// <summary>--catch-up's per-row defaults: warm-up at least 2 s, at most 5 s, 5 s measured.</summary>
    public static readonly TimeSpan CatchUpWarmupMax = TimeSpan.FromSeconds(5);

    /// <inheritdoc cref="CatchUpWarmupMax"/>
    public static readonly TimeSpan CatchUpDuration = TimeSpan.FromSeconds(5);

    /// <summary>The longest a row's warm-up goes on waiting for the JIT to go quiet (<see cref="WarmUp.UntilJitQuiet"/>).</summary>
    public TimeSpan WarmupMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// AkkaRaft's modes: in-memory journal in one ActorSystem; RocksDB, then SQLite, one ActorSystem each; RocksDB,
    /// then SQLite, over Akka.Remote; three Host node processes with a remote key-value client.
    /// </summary>
    public static readonly string[] AkkaRaftModes = ["memory", "rocksdb", "sqlite", "remote", "remote-sqlite", "process"];

    /// <summary>dotNext's modes: its WAL on the disk our SQLite files are on, and on /dev/shm (memory).</summary>
    public static readonly string[] DotNextModes = ["dotnext-disk", "dotnext-shm"];

    /// <summary>Every mode, in the order the rows alternate between the two systems.</summary>
    public static readonly string[] KnownModes = ["memory", "dotnext-shm", "rocksdb", "sqlite", "remote", "remote-sqlite", "process", "dotnext-disk"];

    /// <summary>The journals the --kv rows run on, and (the first given) --restart's.</summary>
    public static readonly string[] KnownJournals = ["memory", "rocksdb", "sqlite"];

    /// <summary>The peers' <c>akka.raft.reads</c> values the --kv rows can run with, in the order they run.</summary>
    public static readonly string[] KnownReads = ["read-index", "lease"];

    public static readonly BenchOptions Default = new([1, 16, 64, 256], TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), 64, KnownModes, 10, null);

    /// <summary>--quick: every workload, briefly; the whole run stays under two minutes.</summary>
    public static readonly BenchOptions QuickDefault = Default with { Warmup = TimeSpan.FromSeconds(0.5), WarmupMax = TimeSpan.FromSeconds(0.5), Duration = TimeSpan.FromSeconds(1), FailoverTrials = 3, Quick = true };

    /// <summary>
    /// With --kv each (journal, client count) has two rows, so the per-row defaults are shorter: the whole default
    /// run (eight rows) stays under two minutes.
    /// </summary>
    public static readonly TimeSpan KeyValueWarmup = TimeSpan.FromSeconds(2);

    /// <inheritdoc cref="KeyValueWarmup"/>
    public static readonly TimeSpan KeyValueDuration = TimeSpan.FromSeconds(5);

    /// <inheritdoc cref="KeyValueWarmup"/>
    public static readonly TimeSpan KeyValueWarmupMax = TimeSpan.FromSeconds(15);

    public const string Usage = """
        AkkaRaft.Bench: commit throughput, latency and failover of a 3-node AkkaRaft cluster, beside the same
        workload on dotNext's Raft (DotNext.Net.Cluster) and the machine's physical floor, in one run.

        usage:
          dotnet run -c Release --project bench/AkkaRaft.Bench -- [options]

        Prints one table and writes results.json, table.md and chart.png (median latency against throughput)
        to the results folder. Workload: 3 nodes, closed-loop proposers (each waits for its command to be
        committed and applied on the leader before sending the next), 64-byte commands; a warm-up, then a
        measured window; latencies in an HdrHistogram.

        modes (--modes, default all, rows alternate between the systems):
          memory        AkkaRaft, Akka's in-memory journal, the three peers in one ActorSystem
          rocksdb       AkkaRaft, a RocksDB database per peer, one ActorSystem each, in-process messaging
          sqlite        AkkaRaft, a SQLite file per peer, one ActorSystem each, in-process messaging
          remote        AkkaRaft, a RocksDB database per peer, three ActorSystems over Akka.Remote on
                        loopback TCP (what the Host's node runs)
          remote-sqlite the same with a SQLite file per peer
          process       three processes of the Host's `node` program (key-value server, RocksDB, Akka.Remote)
                        and the bench as a remote key-value client putting 64-byte values, one request
                        outstanding per client; 1 and 64 clients only
          dotnext-disk  dotNext RaftCluster over TCP on loopback, WriteAheadLog on the disk of the journals
          dotnext-shm   the same with the WriteAheadLog on /dev/shm, beside AkkaRaft's memory mode

        options:
          --quick               every workload briefly (warm-up 0.5 s, 1 s measured, 3 failover trials):
                                the whole run in under two minutes
          --out DIR             results folder (default bench/results/<UTC timestamp> under the repository)
          --modes LIST          modes to measure, comma-separated (default all eight)
          --proposers 1,16,64,256  proposer counts, one row each per mode (default 1,16,64,256)
          --duration 10         measured seconds per row (default 10)
          --warmup 2            seconds proposed but not measured before each row, at least (default 2)
          --warmup-max 30       after --warmup, the load goes on until the JIT has gone quiet (under 10 ms
                                of compiling in a second), for at most this many seconds in all (default 30;
                                --quick: no wait). The rows compare steady states, not the runtime's tiering
          --command-bytes 64    size of each proposed command (default 64)
          --failover-trials 10  leader kills per system (default 10; 0 skips failover)
          --metrics             subscribe a MeterListener to every instrument of the AkkaRaft meter for the whole
                                run and collect its gauges every second, as an exporter would: the allocation
                                column then includes what recording the metrics costs. The process row's nodes
                                then serve theirs too, and the bench prints each node's mean of each duration
                                it recorded in the row's window (journal write, proposal commit, apply)
          --kv-singles          key-value clients (the process and --kv rows) send one request per message;
                                by default the requests ready together leave as one batch, answered together
          --restart 100000      instead: commit this many commands on three peers with snapshots every 1000
                                entries, restart one follower from its journal, and time how long until it
                                has applied up to the commit index; --journal rocksdb (default) or sqlite
          --kv                  instead: the replicated key-value store (three KvServers, snapshots every 10000
                                entries). Per journal (--journal memory,rocksdb,sqlite) and client count (--proposers,
                                default 1,64), two rows: puts of a 64-byte value to each client's own key, then
                                linearizable gets (ReadIndex) of that key. Per-row defaults: warm-up 2 s,
                                measured 5 s (--warmup, --duration apply); --command-bytes does not apply
          --reads LIST          with --kv: the peers' read modes, comma-separated, read-index and/or lease
                                (akka.raft.reads; default read-index). Each (journal, client count) runs once
                                per mode, on a fresh cluster, and the table gains a reads column; with both,
                                a line per journal compares lease gets with ReadIndex gets at 64 clients
          --catch-up            instead: a fourth peer (akka.raft.join = on, its own ActorSystem and RocksDB database)
                                joins the remote cluster as a learner (AddLearner). Peers snapshot every
                                --snapshot-every entries. Catch-up: commit --catch-up-entries, add the learner, time from
                                MembershipChanged until it has applied the add's index; per run, a fresh cluster.
                                Throughput: 64 proposers (--proposers) measured --duration (default 5 s) on the
                                three peers alone, then in a window in which fresh learners are added one after
                                another, each removed once caught up; pairs alternate. Medians of --catch-up-runs
          --catch-up-entries 100000  entries committed before each catch-up (default 100000)
          --catch-up-runs 3     catch-up runs and throughput pairs (default 3)
          --snapshot-bytes N    with --catch-up: size of the state the peers snapshot and a learner is sent
                                (default: what the commands before the add wrote, 100,000 x 64 bytes = 6.4 MB,
                                as a key-value store with a key per command; sent in chunks of 64 KiB)
          --snapshot-every 10000  with --catch-up: the peers' akka.raft.snapshot.log-entries (default 10000)
          --storage             instead: synced 64-byte writes on the disk under --data-dir, each row a fresh
                                file or database: a FileStream append + Flush(true) (fsync), by one writer and by
                                three with a file each (a group's peers on one disk); a RocksDB Put with
                                sync = true, by one writer, through the journal plugin (PersistAsync to its
                                handler, one actor) and by --writers threads at once (its WAL syncs per
                                write from RocksDB's statistics show whether writes share an fsync); a SQLite
                                insert per transaction in WAL mode with synchronous=FULL, by one writer and by
                                --writers connections. Rows alternate within each round; the table gives each
                                row's medians over the rounds
          --data-dir DIR        with --storage: where the files go (default the temporary directory, where the
                                main run's SQLite files go; /dev/shm shows the cost without the disk)
          --writes 2000         with --storage: measured writes per row, shared among its writers (default 2000;
                                a tenth more, at least 20, are written first unmeasured)
          --writers 8           with --storage: threads of the concurrent rows (default 8; 1 leaves them out)
          --rounds 5            with --storage: rounds of every row (default 5)
          --chart-from FILE     instead: redraw chart.png and latency.png from a results.json, beside it or in
                                --out DIR; nothing is measured
          --help                this text

        Each row starts a fresh cluster and elects a leader; a row that fails (the leadership changed during it,
        say) is run once more on a fresh cluster, and the table shows both attempts.
        """;

    /// <summary>Parses <paramref name="args"/>; on a mistake returns null and says what is wrong in <paramref name="error"/>.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = args.Contains("--quick") ? QuickDefault : Default;
        error = null;
        bool warmupGiven = false, warmupMaxGiven = false, durationGiven = false, proposersGiven = false, catchUpGiven = false, storageGiven = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--kv")
            {
                options = options with { KeyValue = true };
                continue;
            }
            if (name == "--catch-up")
            {
                options = options with { CatchUpEntries = options.CatchUpEntries > 0 ? options.CatchUpEntries : 100_000 };
                continue;
            }
            if (name == "--storage")
            {
                options = options with { Storage = true };
                continue;
            }
            if (name == "--metrics")
            {
                options = options with { Metrics = true };
                continue;
            }
            if (name == "--kv-singles")
            {
                options = options with { KvSingles = true };
                continue;
            }
            if (name == "--quick") continue;
            if (i + 1 >= args.Count)
            {
                error = $"'{name}' needs a value";
                return null;
            }
            var value = args[++i];
            switch (name)
            {
                case "--proposers":
                    var counts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var parsed = new List<int>(counts.Length);
                    foreach (var c in counts)
                    {
                        if (!int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
                        {
                            error = $"--proposers: '{c}' is not a positive whole number";
                            return null;
                        }
                        parsed.Add(n);
                    }
                    if (parsed.Count == 0)
                    {
                        error = "--proposers: give at least one count, e.g. 1,16,64";
                        return null;
                    }
                    options = options with { Proposers = parsed };
                    proposersGiven = true;
                    break;
                case "--duration":
                    if (!TryParseSeconds(value, allowZero: false, out var duration))
                    {
                        error = $"--duration: '{value}' is not a positive number of seconds";
                        return null;
                    }
                    options = options with { Duration = duration };
                    durationGiven = true;
                    break;
                case "--warmup" or "--warmup-max":
                    if (!TryParseSeconds(value, allowZero: true, out var seconds))
                    {
                        error = $"{name}: '{value}' is not a non-negative number of seconds";
                        return null;
                    }
                    if (name == "--warmup")
                    {
                        options = options with { Warmup = seconds };
                        warmupGiven = true;
                    }
                    else
                    {
                        options = options with { WarmupMax = seconds };
                        warmupMaxGiven = true;
                    }
                    break;
                case "--command-bytes":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) || bytes < 8)
                    {
                        error = $"--command-bytes: '{value}' is not a whole number of at least 8 (the sequence number takes 8)";
                        return null;
                    }
                    options = options with { CommandBytes = bytes };
                    break;
                case "--restart":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var restart) || restart < 1)
                    {
                        error = $"--restart: '{value}' is not a positive whole number of commands";
                        return null;
                    }
                    options = options with { RestartCommands = restart };
                    break;
                case "--catch-up-entries" or "--catch-up-runs" or "--snapshot-bytes" or "--snapshot-every":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
                    {
                        error = $"{name}: '{value}' is not a positive whole number";
                        return null;
                    }
                    options = name switch
                    {
                        "--catch-up-entries" => options with { CatchUpEntries = count },
                        "--catch-up-runs" => options with { CatchUpRuns = count },
                        "--snapshot-every" => options with { SnapshotEvery = count },
                        _ => options with { SnapshotBytes = count },
                    };
                    catchUpGiven = true;
                    break;
                case "--writes" or "--writers" or "--rounds":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var storageCount) || storageCount < 1)
                    {
                        error = $"{name}: '{value}' is not a positive whole number";
                        return null;
                    }
                    options = name switch
                    {
                        "--writes" => options with { StorageWrites = storageCount },
                        "--writers" => options with { StorageWriters = storageCount },
                        _ => options with { StorageRounds = storageCount },
                    };
                    storageGiven = true;
                    break;
                case "--data-dir":
                    if (string.IsNullOrWhiteSpace(value))
                    {
                        error = "--data-dir: give a folder";
                        return null;
                    }
                    options = options with { DataDirectory = value };
                    storageGiven = true;
                    break;
                case "--journal":
                    var journals = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var unknown = journals.FirstOrDefault(j => !KnownJournals.Contains(j));
                    if (journals.Length == 0 || unknown is not null)
                    {
                        error = $"--journal: '{unknown ?? value}' is not one of {string.Join(", ", KnownJournals)}";
                        return null;
                    }
                    options = options with { Journals = journals };
                    break;
                case "--reads":
                    var reads = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var unknownReads = reads.FirstOrDefault(r => !KnownReads.Contains(r));
                    if (reads.Length == 0 || unknownReads is not null)
                    {
                        error = $"--reads: '{unknownReads ?? value}' is not one of {string.Join(", ", KnownReads)}";
                        return null;
                    }
                    options = options with { Reads = KnownReads.Where(reads.Contains).ToArray() };
                    break;
                case "--modes":
                    var modes = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var unknownMode = modes.FirstOrDefault(m => !KnownModes.Contains(m));
                    if (modes.Length == 0 || unknownMode is not null)
                    {
                        error = $"--modes: '{unknownMode ?? value}' is not one of {string.Join(", ", KnownModes)}";
                        return null;
                    }
                    // Keep the alternating order whatever order they were given in.
                    options = options with { Modes = KnownModes.Where(modes.Contains).ToArray() };
                    break;
                case "--failover-trials":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var trials))
                    {
                        error = $"--failover-trials: '{value}' is not a whole number (0 skips failover)";
                        return null;
                    }
                    options = options with { FailoverTrials = trials };
                    break;
                case "--out":
                    if (string.IsNullOrWhiteSpace(value))
                    {
                        error = "--out: give a folder";
                        return null;
                    }
                    options = options with { OutDirectory = value };
                    break;
                default:
                    error = $"unknown option '{name}'";
                    return null;
            }
        }
        if (options.KeyValue)
        {
            if (options.RestartCommands > 0)
            {
                error = "--kv and --restart are separate workloads: give one";
                return null;
            }
            if (!warmupGiven) options = options with { Warmup = KeyValueWarmup };
            if (!warmupMaxGiven && !options.Quick) options = options with { WarmupMax = KeyValueWarmupMax };
            if (!durationGiven) options = options with { Duration = KeyValueDuration };
            if (!proposersGiven) options = options with { Proposers = [1, 64] };
        }
        if (catchUpGiven && !args.Contains("--catch-up"))
        {
            error = "--catch-up-entries, --catch-up-runs, --snapshot-bytes and --snapshot-every shape the --catch-up workload: give --catch-up too";
            return null;
        }
        if (args.Contains("--catch-up"))
        {
            if (options.KeyValue || options.RestartCommands > 0)
            {
                error = "--catch-up, --kv and --restart are separate workloads: give one";
                return null;
            }
            if (!warmupMaxGiven) options = options with { WarmupMax = CatchUpWarmupMax };
            if (!durationGiven) options = options with { Duration = CatchUpDuration };
            if (!proposersGiven) options = options with { Proposers = [64] };
            if (options.SnapshotBytes == 0) options = options with { SnapshotBytes = (int)Math.Min(int.MaxValue, (long)options.CatchUpEntries * options.CommandBytes) };
        }
        if (storageGiven && !options.Storage)
        {
            error = "--data-dir, --writes, --writers and --rounds shape the --storage workload: give --storage too";
            return null;
        }
        if (options.Storage && (options.KeyValue || options.RestartCommands > 0 || options.CatchUpEntries > 0))
        {
            error = "--storage, --catch-up, --kv and --restart are separate workloads: give one";
            return null;
        }
        if (options.Journals is not null && !options.KeyValue && options.RestartCommands == 0)
        {
            error = "--journal chooses the --kv rows' or --restart's journal; for the main run use --modes";
            return null;
        }
        if (options.RestartCommands > 0 && options.Journals is { } restartJournals && (restartJournals.Count != 1 || restartJournals[0] == "memory"))
        {
            error = "--journal: --restart restarts a peer from one durable journal, rocksdb or sqlite";
            return null;
        }
        if (options.Reads is not null && !options.KeyValue)
        {
            error = "--reads chooses the --kv rows' read modes: give --kv too";
            return null;
        }
        options = options with { Journals = options.Journals ?? KnownJournals, Reads = options.Reads ?? ["read-index"] };
        return options;
    }

    private static bool TryParseSeconds(string value, bool allowZero, out TimeSpan span)
    {
        var text = value.EndsWith('s') ? value[..^1] : value;
        span = default;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            || double.IsNaN(seconds) || seconds < 0 || (seconds == 0 && !allowZero) || seconds > 3600)
            return false;
        span = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
