using System.Diagnostics;
using HdrHistogram;

namespace AkkaRaft.Bench;

/// <summary>
/// The latencies of a run, in an HdrHistogram of <see cref="Stopwatch"/> ticks (three significant digits, up to
/// a minute): fixed memory however long the run, so recording never allocates and never sets off a collection that
/// the bench would then report as the library's. Not thread-safe: one recorder per actor or per proposer task,
/// merged with <see cref="Add"/>.
/// </summary>
internal sealed class LatencyRecorder
{
    private static readonly long Highest = Stopwatch.Frequency * 60;

    private readonly LongHistogram _histogram = new(Highest, 3);

    public long Count => _histogram.TotalCount;

    /// <summary>Records one latency in <see cref="Stopwatch"/> ticks; longer than a minute counts as a minute.</summary>
    public void Add(long ticks) => _histogram.RecordValue(Math.Clamp(ticks, 1, Highest));

    /// <summary>Adds every latency <paramref name="other"/> recorded.</summary>
    public void Add(LatencyRecorder other) => _histogram.Add(other._histogram);

    public void Clear() => _histogram.Reset();

    /// <summary>What was recorded, summarized; <paramref name="elapsed"/> is the window it was recorded in.</summary>
    public LatencySummary Summarize(TimeSpan elapsed) =>
        _histogram.TotalCount == 0
            ? new LatencySummary(0, 0, double.NaN, double.NaN, double.NaN)
            : new LatencySummary(
                _histogram.TotalCount,
                _histogram.TotalCount / elapsed.TotalSeconds,
                Ms(_histogram.GetValueAtPercentile(50)),
                Ms(_histogram.GetValueAtPercentile(99)),
                Ms(_histogram.GetMaxValue()))
            {
                Percentiles = LatencySummary.Reported
                    .Select(p => new LatencyPercentile(p, Ms(p >= 100 ? _histogram.GetMaxValue() : _histogram.GetValueAtPercentile(p))))
                    .ToArray(),
            };

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>Operations completed in a window, their rate, and their latency percentiles in milliseconds.</summary>
internal readonly record struct LatencySummary(long Count, double PerSecond, double P50Ms, double P99Ms, double MaxMs)
{
    /// <summary>
    /// The percentiles a recorder reports in <see cref="Percentiles"/>: tenfold steps into the tail and the halfway
    /// points between them; 100 is the maximum.
    /// </summary>
    public static readonly double[] Reported = [50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999, 100];

    /// <summary>
    /// The latency at each of <see cref="Reported"/>, ascending; null for a summary with nothing recorded or read from
    /// a results file written before percentiles were kept.
    /// </summary>
    public IReadOnlyList<LatencyPercentile>? Percentiles { get; init; }
}

/// <summary>The latency (ms) that <paramref name="Percentile"/> percent of the operations did not exceed.</summary>
internal readonly record struct LatencyPercentile(double Percentile, double Ms);
