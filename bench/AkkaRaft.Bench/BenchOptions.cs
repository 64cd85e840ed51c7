using System.Globalization;

namespace AkkaRaft.Bench;

/// <summary>What one invocation measures, read from the command line.</summary>
internal sealed record BenchOptions(IReadOnlyList<int> Proposers, TimeSpan Warmup, TimeSpan Duration, int CommandBytes, IReadOnlyList<string> Journals, int RestartCommands = 0)
{
    public static readonly string[] KnownJournals = ["memory", "sqlite"];

    public static readonly BenchOptions Default = new(new[] { 1, 64 }, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), 64, KnownJournals);

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
          --help                this text

        Each row starts a fresh ActorSystem and elects a leader. Memory grows with every commit: the peers' logs
        and the in-memory journal keep every entry (there is no log compaction yet), so keep durations short.
        """;

    /// <summary>Parses <paramref name="args"/>; on a mistake returns null and says what is wrong in <paramref name="error"/>.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = Default;
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
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
                    break;
                case "--warmup":
                    if (!TryParseSeconds(value, allowZero: true, out var warmup))
                    {
                        error = $"--warmup: '{value}' is not a non-negative number of seconds";
                        return null;
                    }
                    options = options with { Warmup = warmup };
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
