using System.Globalization;

namespace AkkaRaft.Bench;

/// <summary>What one invocation measures, read from the command line.</summary>
internal sealed record BenchOptions(IReadOnlyList<int> Proposers, TimeSpan Warmup, TimeSpan Duration, int CommandBytes, IReadOnlyList<string> Journals, int RestartCommands = 0, bool KeyValue = false)
{
    public static readonly string[] KnownJournals = ["memory", "sqlite"];

    public static readonly BenchOptions Default = new(new[] { 1, 64 }, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), 64, KnownJournals);

    /// <summary>
    /// With --kv each (journal, client count) has two rows, so the per-row defaults are shorter: the whole default
    /// run (eight rows) stays under two minutes.
    /// </summary>
    public static readonly TimeSpan KeyValueWarmup = TimeSpan.FromSeconds(2);

    /// <inheritdoc cref="KeyValueWarmup"/>
    public static readonly TimeSpan KeyValueDuration = TimeSpan.FromSeconds(5);

    public const string Usage = """
        AkkaRaft.Bench: commit throughput and latency of a 3-peer AkkaRaft group in one process
        (closed-loop proposers), with the in-memory journal and with the SQLite journal.

        usage:
          dotnet run -c Release --project bench/AkkaRaft.Bench -- [options]

        options:
          --proposers 1,16,64   proposer counts, one table row each (default 1,64)
          --duration 10         measured seconds per row (default 10)
          --warmup 2            seconds proposed but not measured before each row (default 2)
          --command-bytes 64    size of each proposed command (default 64)
          --journal memory,sqlite  journals to measure (default both): memory is Akka's in-memory journal;
                                sqlite gives each peer its own database file (Akka.Persistence.Sql,
                                Microsoft.Data.Sqlite) in a fresh temporary directory
          --restart 100000      instead: commit this many commands on three SQLite peers with snapshots every
                                1000 entries, restart one follower from its file, and time how long until it
                                has applied up to the commit index
          --kv                  instead: the replicated key-value store (three KvServers, snapshots every 10000
                                entries). Per journal and client count (--proposers), two rows: puts of a 64-byte
                                value to each client's own key, then linearizable gets (ReadIndex) of that key.
                                Each client has one request outstanding at a time. Per-row defaults: warm-up 2 s,
                                measured 5 s (--warmup, --duration apply); --command-bytes does not apply
          --help                this text

        Each row starts a fresh ActorSystem and elects a leader. Memory grows with every commit: the peers' logs
        and the in-memory journal keep every entry (there is no log compaction yet), so keep durations short.
        """;

    /// <summary>Parses <paramref name="args"/>; on a mistake returns null and says what is wrong in <paramref name="error"/>.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = Default;
        error = null;
        bool warmupGiven = false, durationGiven = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--kv")
            {
                options = options with { KeyValue = true };
                continue;
            }
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
                case "--warmup":
                    if (!TryParseSeconds(value, allowZero: true, out var warmup))
                    {
                        error = $"--warmup: '{value}' is not a non-negative number of seconds";
                        return null;
                    }
                    options = options with { Warmup = warmup };
                    warmupGiven = true;
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
            if (!durationGiven) options = options with { Duration = KeyValueDuration };
        }
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
