using System.Buffers.Binary;
using System.Diagnostics;
using AkkaRaft.Bench;

namespace AkkaRaft.Tests.Benchmark;

/// <summary>
/// The bench's charts: drawn from a small synthetic run into a temporary folder, read back from its results.json, and
/// from a results file written before latency percentiles were kept.
/// </summary>
public sealed class ChartTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly string _dir = Directory.CreateTempSubdirectory("akkaraft-chart-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_run_writes_both_charts_as_PNGs_of_their_size()
    {
        var report = new Report(SyntheticRows(), [], [], TimeSpan.FromSeconds(1), quick: true);

        var (written, skipped) = report.Write(_dir, "synthetic");

        Assert.Null(skipped);
        Assert.Contains(Path.Combine(_dir, Chart.FileName), written);
        Assert.Contains(Path.Combine(_dir, LatencyChart.FileName), written);
        Assert.Equal((Chart.Width, Chart.Height), PngSize(Path.Combine(_dir, Chart.FileName)));
        // Two proposer counts: two panels side by side.
        Assert.Equal(LatencyChart.Size(2), PngSize(Path.Combine(_dir, LatencyChart.FileName)));
    }

    [Fact]
    public void Results_json_keeps_the_percentiles_and_redraws_both_charts()
    {
        var rows = SyntheticRows();
        File.WriteAllText(Path.Combine(_dir, "results.json"), new Report(rows, [], [], TimeSpan.FromSeconds(1), quick: true).Json());

        var read = ResultsJson.Read(Path.Combine(_dir, "results.json"), out var error);

        Assert.NotNull(read);
        Assert.Equal("", error);
        Assert.Equal(rows.Count, read.Count);
        var original = rows[0].Latency.Percentiles!;
        var back = read[0].Latency.Percentiles!;
        Assert.Equal(LatencySummary.Reported, back.Select(p => p.Percentile));
        Assert.Equal(original.Select(p => Math.Round(p.Ms, 4)), back.Select(p => p.Ms));
        var redrawn = Path.Combine(_dir, "redrawn");
        var (written, skipped) = Chart.WriteAll(redrawn, read);
        Assert.Null(skipped);
        Assert.Equal(2, written.Count);
        Assert.All(written, path => Assert.True(PngSize(path).Width > 0));
    }

    [Fact]
    public void A_results_file_without_percentiles_still_draws_the_throughput_chart()
    {
        var path = Path.Combine(_dir, "old-results.json");
        File.WriteAllText(path, """
            [
              { "system": "akkaraft", "mode": "remote", "kind": "throughput", "proposers": 1, "commits": 10000, "ops_per_sec": 2000, "p50_ms": 0.47, "p99_ms": 0.88, "max_ms": 20 },
              { "system": "akkaraft", "mode": "remote", "kind": "throughput", "proposers": 64, "commits": 400000, "ops_per_sec": 80000, "p50_ms": 0.73, "p99_ms": 2.6, "max_ms": 30 },
              { "system": "dotnext", "mode": "disk", "kind": "throughput", "proposers": 1, "commits": 9000, "ops_per_sec": 1900, "p50_ms": 0.49, "p99_ms": 0.96, "max_ms": 25 },
              { "system": "floor", "mode": "tcp-rtt", "kind": "floor", "samples": 2000, "p50_ms": 0.044 },
              { "system": "akkaraft", "mode": "leader-kill", "kind": "failover", "trials": 3, "failover_median_ms": 700 }
            ]
            """);

        var rows = ResultsJson.Read(path, out var error);
        Assert.NotNull(rows);
        var (written, skipped) = Chart.WriteAll(_dir, rows);

        Assert.Equal([Path.Combine(_dir, Chart.FileName)], written);
        Assert.Contains("percentiles", skipped);
        Assert.False(File.Exists(Path.Combine(_dir, LatencyChart.FileName)));
        Assert.Equal((Chart.Width, Chart.Height), PngSize(Path.Combine(_dir, Chart.FileName)));
    }

    [Fact]
    public void A_missing_or_malformed_results_file_is_one_line_error()
    {
        Assert.Null(ResultsJson.Read(Path.Combine(_dir, "absent.json"), out var missing));
        Assert.Contains("no such file", missing);
        var bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(bad, "{ \"not\": \"a list\" }\n");
        Assert.Null(ResultsJson.Read(bad, out var malformed));
        Assert.Contains("not a bench results file", malformed);
        Assert.DoesNotContain('\n', missing + malformed);
    }

    /// <summary>Two systems at two proposer counts, their latencies recorded as the bench records them.</summary>
    private static List<RunResult> SyntheticRows()
    {
        var random = new Random(42);
        var rows = new List<RunResult>();
        foreach (var (system, mode, medianMs) in new[] { ("akkaraft", "remote", 0.5), ("dotnext", "disk", 0.6) })
        {
            foreach (var proposers in new[] { 1, 64 })
            {
                var recorder = new LatencyRecorder();
                var median = medianMs * (proposers == 1 ? 1 : 3);
                // Log-normal around the median: a tail to plot.
                for (var i = 0; i < 20_000; i++)
                    recorder.Add((long)(median * Math.Exp(0.6 * Normal(random)) * Stopwatch.Frequency / 1000));
                var latency = recorder.Summarize(TimeSpan.FromSeconds(2));
                rows.Add(new RunResult(system, mode, proposers, latency, default, null));
            }
        }
        return rows;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>The width and height in a PNG's header, after checking its signature and that IHDR comes first.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 33, $"{path} is {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal("IHDR"u8.ToArray(), bytes[12..16]);
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
