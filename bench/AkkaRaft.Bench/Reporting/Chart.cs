using System.Globalization;
using ScottPlot;

namespace AkkaRaft.Bench;

/// <summary>
/// The run at a glance: median commit latency (y) against commits per second (x), both on log scales, one line per
/// system and mode through its proposer counts (each point labelled with its count). Up and to the left is worse.
/// <see cref="WriteAll"/> draws it with <see cref="LatencyChart"/> beside it.
/// </summary>
internal static class Chart
{
    public const int Width = 1200, Height = 720;

    public const string FileName = "chart.png";

    private const float LabelSize = 14;

    /// <summary>
    /// Writes <see cref="FileName"/> and <see cref="LatencyChart.FileName"/> for the measured rows of
    /// <paramref name="rows"/> into <paramref name="directory"/>; returns the paths written, and for an image not
    /// written, why.
    /// </summary>
    public static (IReadOnlyList<string> Written, string? Skipped) WriteAll(string directory, IEnumerable<RunResult> rows)
    {
        Directory.CreateDirectory(directory);
        var measured = rows.Where(r => r.Failure is null && r.Latency.Count > 0).ToList();
        var written = new List<string> { Path.Combine(directory, FileName) };
        Write(written[0], measured);
        var latency = Path.Combine(directory, LatencyChart.FileName);
        if (!LatencyChart.Write(latency, measured)) return (written, $"{LatencyChart.FileName}: no row carries latency percentiles (a results file from before they were kept)");
        written.Add(latency);
        return (written, null);
    }

    public static void Write(string path, IReadOnlyList<RunResult> rows)
    {
        var plot = new Plot();
        ChartStyle.Fonts(plot);
        plot.Title("Median commit latency against throughput\n3 nodes, 64-byte commands, closed-loop proposers (number at each point)");
        plot.XLabel("commits per second (log scale)");
        plot.YLabel("p50 commit latency, ms (log scale)");

        var points = rows.Where(r => r.Latency.PerSecond > 0 && r.Latency.P50Ms > 0).ToList();
        var (x0, x1) = ChartStyle.Decades(points.Select(r => r.Latency.PerSecond));
        var (y0, y1) = ChartStyle.Decades(points.Select(r => r.Latency.P50Ms));
        ChartStyle.LogAxis(plot.Axes.Bottom, x0, x1);
        ChartStyle.LogAxis(plot.Axes.Left, y0, y1);

        var series = points.GroupBy(r => $"{r.System} {r.Mode}").OrderBy(s => ChartStyle.Rank(s.Key)).ThenBy(s => s.Key, StringComparer.Ordinal).ToList();
        var colours = ChartStyle.ColoursFor(series.Select(s => s.Key));
        var labels = new List<(Coordinates At, string Text, Color Colour)>();
        var lines = new List<Coordinates[]>();
        foreach (var s in series)
        {
            var ordered = s.OrderBy(r => r.Proposers).ToArray();
            var line = plot.Add.Scatter(
                ordered.Select(r => Math.Log10(r.Latency.PerSecond)).ToArray(),
                ordered.Select(r => Math.Log10(r.Latency.P50Ms)).ToArray(),
                colours[s.Key]);
            line.LegendText = ChartStyle.Display(s.Key);
            line.LineWidth = 2.5f;
            line.MarkerSize = 9;
            lines.Add(ordered.Select(r => new Coordinates(Math.Log10(r.Latency.PerSecond), Math.Log10(r.Latency.P50Ms))).ToArray());
            labels.AddRange(ordered.Select(r => (new Coordinates(Math.Log10(r.Latency.PerSecond), Math.Log10(r.Latency.P50Ms)), r.Proposers.ToString(CultureInfo.InvariantCulture), colours[s.Key])));
        }
        if (points.Count == 0)
        {
            var empty = plot.Add.Text("no rows measured", (x0 + x1) / 2.0, (y0 + y1) / 2.0);
            empty.LabelFontSize = 20;
            empty.LabelAlignment = Alignment.MiddleCenter;
        }
        // Outside the frame, so the legend never hides a point and shows every name in full.
        plot.ShowLegend(Edge.Right);

        // Lay the plot out once to learn where each point lands, then put each count where it hides nothing.
        plot.RenderInMemory(Width, Height);
        PlaceLabels(plot, labels, lines);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>
    /// Adds each label beside its point, at the first of eight positions around it whose box covers no point, no
    /// line and no label already placed (the first position when all do).
    /// </summary>
    private static void PlaceLabels(Plot plot, IReadOnlyList<(Coordinates At, string Text, Color Colour)> labels, IEnumerable<Coordinates[]> lines)
    {
        const float gap = 7;
        var taken = labels.Select(l => plot.GetPixel(l.At)).Select(p => new Area(p.X - 6, p.X + 6, p.Y - 6, p.Y + 6)).ToList();
        // The lines, as small boxes every few pixels along each segment.
        foreach (var line in lines)
        {
            for (var i = 1; i < line.Length; i++)
            {
                Pixel a = plot.GetPixel(line[i - 1]), b = plot.GetPixel(line[i]);
                var steps = (int)Math.Ceiling(Math.Max(Math.Abs(b.X - a.X), Math.Abs(b.Y - a.Y)) / 4);
                for (var k = 0; k <= steps; k++)
                {
                    float x = a.X + (b.X - a.X) * k / Math.Max(steps, 1), y = a.Y + (b.Y - a.Y) * k / Math.Max(steps, 1);
                    taken.Add(new Area(x - 2, x + 2, y - 2, y + 2));
                }
            }
        }
        (float Dx, float Dy, Alignment Align)[] around =
        [
            (gap, -gap, Alignment.LowerLeft), (gap, gap, Alignment.UpperLeft), (-gap, -gap, Alignment.LowerRight), (-gap, gap, Alignment.UpperRight),
            (gap + 4, 0, Alignment.MiddleLeft), (-gap - 4, 0, Alignment.MiddleRight), (0, -gap - 4, Alignment.LowerCenter), (0, gap + 4, Alignment.UpperCenter),
        ];
        foreach (var (at, text, colour) in labels)
        {
            var p = plot.GetPixel(at);
            var w = text.Length * LabelSize * 0.62f;
            var h = LabelSize * 1.1f;
            var choice = around[0];
            foreach (var c in around)
            {
                if (taken.Any(t => Overlaps(t, Box(p, c, w, h)))) continue;
                choice = c;
                break;
            }
            taken.Add(Box(p, choice, w, h));
            var label = plot.Add.Text(text, at.X, at.Y);
            label.LabelFontSize = LabelSize;
            label.LabelBold = true;
            label.LabelFontColor = colour;
            label.LabelAlignment = choice.Align;
            label.OffsetX = choice.Dx;
            label.OffsetY = choice.Dy;
        }
    }

    /// <summary>The pixels a label of <paramref name="w"/> by <paramref name="h"/> covers when put at <paramref name="c"/> from <paramref name="p"/>.</summary>
    private static Area Box(Pixel p, (float Dx, float Dy, Alignment Align) c, float w, float h)
    {
        float x = p.X + c.Dx, y = p.Y + c.Dy;
        var left = c.Align switch
        {
            Alignment.LowerLeft or Alignment.UpperLeft or Alignment.MiddleLeft => x,
            Alignment.LowerRight or Alignment.UpperRight or Alignment.MiddleRight => x - w,
            _ => x - w / 2,
        };
        var top = c.Align switch
        {
            Alignment.UpperLeft or Alignment.UpperRight or Alignment.UpperCenter => y,
            Alignment.LowerLeft or Alignment.LowerRight or Alignment.LowerCenter => y - h,
            _ => y - h / 2,
        };
        return new Area(left, left + w, top, top + h);
    }

    private static bool Overlaps(Area a, Area b) => a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom;

    /// <summary>A rectangle of the image in pixels (y grows downwards, so <see cref="Top"/> is the smaller).</summary>
    private readonly record struct Area(float Left, float Right, float Top, float Bottom);
}
