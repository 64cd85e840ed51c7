using System.Globalization;

namespace AkkaRaft.Bench;

/// <summary>
/// The run at a glance: median commit latency (y) against commits per second (x), both on log scales, one line per
/// system and mode through its proposer counts (each point labelled with its count). Up and to the left is worse.
/// </summary>
internal static class Chart
{
    private const int W = 1100, H = 700, Left = 90, Right = 250, Top = 50, Bottom = 70;

    private static readonly Rgb Background = new(255, 255, 255), Ink = new(30, 30, 30), Grid = new(225, 225, 225), MinorGrid = new(242, 242, 242);

    private static readonly Dictionary<string, Rgb> Colours = new()
    {
        ["akkaraft memory"] = new(31, 119, 180),
        ["akkaraft rocksdb"] = new(23, 190, 207),
        ["akkaraft sqlite"] = new(44, 160, 44),
        ["akkaraft remote-sqlite"] = new(255, 152, 150),
        ["akkaraft remote"] = new(214, 39, 40),
        ["akkaraft process"] = new(140, 86, 75),
        ["dotnext shm"] = new(148, 103, 189),
        ["dotnext disk"] = new(255, 127, 14),
    };

    private static readonly Rgb[] Spare = [new(227, 119, 194), new(127, 127, 127), new(188, 189, 34)];

    public static void Write(string path, IReadOnlyList<RunResult> rows)
    {
        var canvas = new PngCanvas(W, H, Background);
        var title = "P50 COMMIT LATENCY VS THROUGHPUT: 3 NODES, 64-BYTE COMMANDS, CLOSED-LOOP PROPOSERS";
        canvas.Text((W - PngCanvas.TextWidth(title, 2)) / 2, 16, title, Ink, 2);
        int plotW = W - Left - Right, plotH = H - Top - Bottom;
        if (rows.Count == 0)
        {
            canvas.Text(Left, Top + plotH / 2, "NO ROWS MEASURED", Ink, 2);
            canvas.Save(path);
            return;
        }

        var (x0, x1) = Decades(rows.Select(r => r.Latency.PerSecond));
        var (y0, y1) = Decades(rows.Select(r => r.Latency.P50Ms));
        int X(double v) => Left + (int)Math.Round((Math.Log10(v) - x0) / (x1 - x0) * plotW);
        int Y(double v) => Top + plotH - (int)Math.Round((Math.Log10(v) - y0) / (y1 - y0) * plotH);

        // Grid: a line at every decade, lighter ones at 2 and 5 times it.
        for (var d = x0; d <= x1; d++)
        {
            foreach (var m in new[] { 2, 5 })
                if (d < x1) canvas.Line(X(m * Math.Pow(10, d)), Top, X(m * Math.Pow(10, d)), Top + plotH, MinorGrid);
            var x = X(Math.Pow(10, d));
            canvas.Line(x, Top, x, Top + plotH, Grid);
            var label = Format(Math.Pow(10, d));
            canvas.Text(x - PngCanvas.TextWidth(label, 2) / 2, Top + plotH + 10, label, Ink, 2);
        }
        for (var d = y0; d <= y1; d++)
        {
            foreach (var m in new[] { 2, 5 })
                if (d < y1) canvas.Line(Left, Y(m * Math.Pow(10, d)), Left + plotW, Y(m * Math.Pow(10, d)), MinorGrid);
            var y = Y(Math.Pow(10, d));
            canvas.Line(Left, y, Left + plotW, y, Grid);
            var label = Format(Math.Pow(10, d));
            canvas.Text(Left - 10 - PngCanvas.TextWidth(label, 2), y - 7, label, Ink, 2);
        }
        canvas.Line(Left, Top, Left, Top + plotH, Ink);
        canvas.Line(Left, Top + plotH, Left + plotW, Top + plotH, Ink);
        const string xTitle = "COMMITS PER SECOND (LOG)";
        canvas.Text(Left + (plotW - PngCanvas.TextWidth(xTitle, 2)) / 2, H - 30, xTitle, Ink, 2);
        const string yTitle = "P50 COMMIT LATENCY, MS (LOG)";
        canvas.TextUp(14, Top + (plotH + PngCanvas.TextWidth(yTitle, 2)) / 2, yTitle, Ink, 2);

        var series = rows.GroupBy(r => $"{r.System} {r.Mode}").ToList();
        var legendY = Top + 10;
        var spare = 0;
        foreach (var s in series)
        {
            var colour = Colours.TryGetValue(s.Key, out var c) ? c : Spare[spare++ % Spare.Length];
            var points = s.OrderBy(r => r.Proposers).Select(r => (X: X(r.Latency.PerSecond), Y: Y(r.Latency.P50Ms), r.Proposers)).ToArray();
            for (var i = 1; i < points.Length; i++) canvas.Line(points[i - 1].X, points[i - 1].Y, points[i].X, points[i].Y, colour, 3);
            foreach (var p in points)
            {
                canvas.Dot(p.X, p.Y, 5, colour);
                canvas.Text(p.X + 8, p.Y - 12, p.Proposers.ToString(CultureInfo.InvariantCulture), colour, 1);
            }
            canvas.FillRect(Left + plotW + 20, legendY + 3, 24, 8, colour);
            canvas.Text(Left + plotW + 52, legendY, s.Key, Ink, 2);
            legendY += 26;
        }
        canvas.Text(Left + plotW + 20, legendY + 10, "POINT LABELS:", Ink, 1);
        canvas.Text(Left + plotW + 20, legendY + 22, "PROPOSER COUNT", Ink, 1);
        canvas.Save(path);
    }

    /// <summary>The whole decades that contain every positive value.</summary>
    private static (int Low, int High) Decades(IEnumerable<double> values)
    {
        var positive = values.Where(v => v > 0 && double.IsFinite(v)).ToArray();
        if (positive.Length == 0) return (0, 1);
        var low = (int)Math.Floor(Math.Log10(positive.Min()));
        var high = (int)Math.Ceiling(Math.Log10(positive.Max()));
        return (low, Math.Max(high, low + 1));
    }

    private static string Format(double v) => v switch
    {
        >= 1e6 => FormattableString.Invariant($"{v / 1e6:0.##}M"),
        >= 1e3 => FormattableString.Invariant($"{v / 1e3:0.##}K"),
        >= 1 => v.ToString("0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.###", CultureInfo.InvariantCulture),
    };
}
