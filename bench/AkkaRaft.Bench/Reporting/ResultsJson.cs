using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AkkaRaft.Bench;

/// <summary>
/// results.json: how <see cref="Report"/> writes its rows, and how the charts read the throughput rows back (so they can
/// be redrawn from a file without measuring anything). Fields added later are optional, so older files still read.
/// </summary>
internal static class ResultsJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// The throughput rows of the results file at <paramref name="path"/>; null with a one-line
    /// <paramref name="error"/> when the file is missing, unreadable or not a results file.
    /// </summary>
    public static IReadOnlyList<RunResult>? Read(string path, out string error)
    {
        error = "";
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            error = $"{path}: no such file";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: cannot be read ({e.Message})";
            return null;
        }
        try
        {
            return Parse(text);
        }
        catch (JsonException e) when (e.LineNumber is { } line)
        {
            error = $"{path}: not a bench results file (no list of rows, or bad JSON, at line {line + 1})";
            return null;
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            error = $"{path}: not a bench results file ({OneLine(e.Message)})";
            return null;
        }
    }

    /// <summary>The throughput rows of a results file's text; failover and floor rows are skipped.</summary>
    public static IReadOnlyList<RunResult> Parse(string json)
    {
        var rows = JsonSerializer.Deserialize<List<JsonRow>>(json, Options) ?? throw new JsonException("the file holds null, not a list of rows");
        return rows
            .Where(r => r is { Kind: "throughput" })
            .Select(r =>
            {
                if (r.System is null || r.Mode is null || r.Proposers is not { } proposers)
                    throw new JsonException("a throughput row lacks its system, mode or proposers");
                var latency = new LatencySummary(r.Commits ?? 0, r.OpsPerSec ?? double.NaN, r.P50Ms ?? double.NaN, r.P99Ms ?? double.NaN, r.MaxMs ?? double.NaN)
                {
                    Percentiles = r.PercentilesMs?
                        .Select(p => new LatencyPercentile(double.Parse(p.Key, NumberStyles.Float, CultureInfo.InvariantCulture), p.Value))
                        .OrderBy(p => p.Percentile)
                        .ToArray(),
                };
                return new RunResult(r.System, r.Mode, proposers, latency, default, r.Failure);
            })
            .ToList();
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}

/// <summary>
/// One JSON row. Kind "throughput": a proposer count's commits (ops_per_sec, p50/p99/max commit latency in ms, and
/// for AkkaRaft the ratio to dotNext on the same medium); "failover": failover_median_ms and failover_max_ms over
/// the trials; "floor": a physical floor measurement (system "floor").
/// </summary>
internal sealed record JsonRow(string System, string Mode, string Kind)
{
    public int? Proposers { get; init; }
    public long? Commits { get; init; }
    public double? OpsPerSec { get; init; }
    public double? P50Ms { get; init; }
    public double? P99Ms { get; init; }
    public double? MaxMs { get; init; }

    /// <summary>Commit latency (ms) by percentile ("99.9"; "100" is the maximum); absent in files from before it was kept.</summary>
    public Dictionary<string, double>? PercentilesMs { get; init; }
    public string? ComparedWith { get; init; }
    public double? OpsRatio { get; init; }
    public double? P50Ratio { get; init; }
    public long? AllocatedBytesPerCommit { get; init; }
    public double? CpuMicrosecondsPerCommit { get; init; }

    public double? WarmupSeconds { get; init; }

    public double? JitMsInWindow { get; init; }

    /// <summary>Time the garbage collector held every thread of the process still, in the window.</summary>
    public double? GcPauseMsInWindow { get; init; }

    /// <summary>Collections in the window of generations 0, 1 and 2 (each count includes the higher ones').</summary>
    public int[]? GcCollectionsInWindow { get; init; }
    public int? Trials { get; init; }
    public double? FailoverMedianMs { get; init; }
    public double? FailoverMaxMs { get; init; }
    public double[]? FailoverTrialsMs { get; init; }
    public long? Samples { get; init; }
    public string? Failure { get; init; }
    public string? FirstAttemptFailure { get; init; }
}
