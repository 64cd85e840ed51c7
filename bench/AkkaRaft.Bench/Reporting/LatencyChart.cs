using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace AkkaRaft.Bench;

/// <summary>
/// The latency distribution, as HdrHistogram plots it: commit latency (y, log scale) against percentile, the x axis
/// stretched so each tenfold step into the tail (90%, 99%, 99.9%, ...) is as wide as the last. One panel per
/// proposer count, one line per system and mode (the throughput chart's colours); a line ends at its maximum, drawn
/// where one commit in the row's count lies (so a longer run reaches further right).
/// </summary>
internal static class LatencyChart
{
    public const string FileName = "latency.png";

    /// <summary>The size of one panel; the image holds one per proposer count, two to a row.</summary>
    public const int PanelWidth = 760, PanelHeight = 560;

    /// <summary>The image's size for <paramref name="panels"/> proposer counts.</summary>
    public static (int Width, int Height) Size(int panels) =>
        (PanelWidth * Math.Min(panels, 2), PanelHeight * ((panels + 1) / 2));

    /// <summary>
    /// Draws the rows that carry percentiles to <paramref name="path"/>; false (and nothing written) when none does.
    /// </summary>
    public static bool Write(string path, IReadOnlyList<RunResult> rows)
    {
        var withPercentiles = rows.Where(r => r.Latency.Percentiles is { Count: > 0 } && r.Latency.Count > 0).ToList();
        if (withPercentiles.Count == 0) return false;

        var counts = withPercentiles.Select(r => r.Proposers).Distinct().Order().ToList();
        var colours = ChartStyle.ColoursFor(withPercentiles.Select(Key).OrderBy(ChartStyle.Rank).ThenBy(k => k, StringComparer.Ordinal));
        // Every panel on the same latency axis, so panels compare at a glance.
        var (y0, y1) = ChartStyle.Decades(withPercentiles.SelectMany(r => r.Latency.Percentiles!.Select(p => p.Ms)));

        var figure = new Multiplot();
        figure.AddPlots(counts.Count);
        figure.Layout = new ScottPlot.MultiplotLayouts.Grid((counts.Count + 1) / 2, Math.Min(counts.Count, 2));
        for (var i = 0; i < counts.Count; i++)
        {
            var plot = figure.GetPlot(i);
            ChartStyle.Fonts(plot);
            plot.Title(counts[i] == 1 ? "Commit latency by percentile: 1 proposer" : $"Commit latency by percentile: {counts[i]} proposers");
            plot.XLabel("percentile (the maximum ends each line)");
            plot.YLabel("commit latency, ms (log scale)");
            // As far right as the longest row's maximum (so a short row's panel has no empty tail), at least to 99.9%.
            PercentileAxis(plot.Axes.Bottom, Math.Max(3, withPercentiles.Where(r => r.Proposers == counts[i]).Max(r => Math.Log10(r.Latency.Count))));
            ChartStyle.LogAxis(plot.Axes.Left, y0, y1);
            foreach (var row in withPercentiles.Where(r => r.Proposers == counts[i]).OrderBy(r => ChartStyle.Rank(Key(r))).ThenBy(Key, StringComparer.Ordinal))
            {
                var points = Points(row);
                var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), colours[Key(row)]);
                line.LegendText = ChartStyle.Display(Key(row));
                line.LineWidth = 2.5f;
                line.MarkerSize = 6;
            }
            // Upper left: the lines start at their medians and climb to the right, so that corner stays clear.
            plot.ShowLegend(Alignment.UpperLeft);
        }
        var (width, height) = Size(counts.Count);
        figure.SavePng(path, width, height);
        return true;
    }

    private static string Key(RunResult r) => $"{r.System} {r.Mode}";

    /// <summary>
    /// A row's percentiles as plot points: x is log10(1 / (1 - p)), y log10 of the latency. A percentile is kept only
    /// while more than one commit lies beyond it (past that it is the maximum again); the maximum goes at log10(count).
    /// </summary>
    private static List<(double X, double Y)> Points(RunResult row)
    {
        var points = new List<(double X, double Y)>();
        var end = Math.Log10(row.Latency.Count);
        foreach (var p in row.Latency.Percentiles!.Where(p => p.Ms > 0))
        {
            if (p.Percentile >= 100) points.Add((Math.Max(end, points.Count > 0 ? points[^1].X : 0), Math.Log10(p.Ms)));
            else if (Position(p.Percentile) < end) points.Add((Position(p.Percentile), Math.Log10(p.Ms)));
        }
        return points;
    }

    private static double Position(double percentile) => Math.Log10(100 / (100 - percentile));

    /// <summary>Labelled ticks at 50% and at every tenfold step into the tail, minor ones at the halfway points.</summary>
    private static void PercentileAxis(IAxis axis, double max)
    {
        var ticks = new NumericManual();
        ticks.AddMajor(Position(50), "50%");
        for (var d = 1; d <= Math.Ceiling(max); d++)
        {
            if (Position(100 - 50 / Math.Pow(10, d - 1)) is var half && half <= max) ticks.AddMinor(half);
            if (d <= max) ticks.AddMajor(d, (100 - 100 / Math.Pow(10, d)).ToString("0.#########", CultureInfo.InvariantCulture) + "%");
        }
        axis.TickGenerator = ticks;
        axis.Min = Position(50) - 0.1;
        axis.Max = max + 0.15;
    }
}
