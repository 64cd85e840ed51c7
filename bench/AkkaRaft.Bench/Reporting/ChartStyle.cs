using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;
using SkiaSharp;

namespace AkkaRaft.Bench;

/// <summary>
/// What the bench's charts share: a colour per system and mode, their names, fonts, and log-scale axes. ScottPlot
/// draws linear axes only, so a log axis plots log10 of each value and labels its ticks with the values themselves.
/// </summary>
internal static class ChartStyle
{
    private static readonly Dictionary<string, Color> Colours = new()
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

    private static readonly Color[] Spare = [new(227, 119, 194), new(127, 127, 127), new(188, 189, 34)];

    /// <summary>The order series are drawn and listed in: AkkaRaft's modes, then dotNext's, then anything else.</summary>
    public static int Rank(string key) => Colours.Keys.ToList().IndexOf(key) is var i and >= 0 ? i : Colours.Count;

    /// <summary>A colour per key in <paramref name="keys"/>: the fixed one where there is one, else a spare.</summary>
    public static Dictionary<string, Color> ColoursFor(IEnumerable<string> keys)
    {
        var spare = 0;
        return keys.Distinct().ToDictionary(k => k, k => Colours.TryGetValue(k, out var c) ? c : Spare[spare++ % Spare.Length]);
    }

    /// <summary>"akkaraft remote" as the legend shows it: "AkkaRaft remote".</summary>
    public static string Display(string key) => key
        .Replace("akkaraft ", "AkkaRaft ", StringComparison.Ordinal)
        .Replace("dotnext ", "dotNext ", StringComparison.Ordinal);

    /// <summary>A sans-serif family the machine has (ScottPlot's default may resolve to a serif one on Linux).</summary>
    private static readonly Lazy<string> Sans = new(() =>
    {
        var installed = SKFontManager.Default.GetFontFamilies().ToHashSet(StringComparer.OrdinalIgnoreCase);
        return new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Noto Sans" }.FirstOrDefault(installed.Contains) ?? ScottPlot.Fonts.Sans;
    });

    /// <summary>Fonts large enough to read when the image is shown at half its size.</summary>
    public static void Fonts(Plot plot)
    {
        plot.Font.Set(Sans.Value);
        plot.Axes.Title.Label.FontSize = 20;
        plot.Axes.Title.Label.Bold = true;
        foreach (var axis in new IAxis[] { plot.Axes.Bottom, plot.Axes.Left })
        {
            axis.Label.FontSize = 16;
            axis.Label.Bold = false;
            axis.TickLabelStyle.FontSize = 14;
        }
        plot.Legend.FontSize = 14;
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.15);
        plot.Grid.MinorLineColor = Colors.Black.WithAlpha(0.05);
        plot.Grid.MinorLineWidth = 1;
    }

    /// <summary>
    /// The whole decades (as powers of ten) that contain every positive value: the limits of a log axis whose ticks
    /// are all labelled, which a reader can place a value between.
    /// </summary>
    public static (int Low, int High) Decades(IEnumerable<double> values)
    {
        var positive = values.Where(v => v > 0 && double.IsFinite(v)).ToArray();
        if (positive.Length == 0) return (0, 1);
        var low = (int)Math.Floor(Math.Log10(positive.Min()));
        var high = (int)Math.Ceiling(Math.Log10(positive.Max()));
        return (low, Math.Max(high, low + 1));
    }

    /// <summary>
    /// Makes <paramref name="axis"/> a log axis from 10^<paramref name="low"/> to 10^<paramref name="high"/>: a labelled
    /// tick at every decade (and at 2 and 5 times it when the axis spans at most two decades), a minor tick at 2 to 9
    /// times it. Plotted values must be log10 of the data.
    /// </summary>
    public static void LogAxis(IAxis axis, int low, int high)
    {
        var ticks = new NumericManual();
        var fine = high - low <= 2;
        for (var d = low; d <= high; d++)
        {
            ticks.AddMajor(d, Format(Math.Pow(10, d)));
            if (d == high) break;
            for (var m = 2; m <= 9; m++)
            {
                if (fine && m is 2 or 5) ticks.AddMajor(d + Math.Log10(m), Format(m * Math.Pow(10, d)));
                else ticks.AddMinor(d + Math.Log10(m));
            }
        }
        axis.TickGenerator = ticks;
        // A little room beyond the outer decades, so points on them are not cut in half by the frame.
        var pad = (high - low) * 0.02;
        axis.Min = low - pad;
        axis.Max = high + pad;
    }

    /// <summary>1000 as "1K", 0.01 as "0.01": tick labels a reader takes in at a glance.</summary>
    public static string Format(double v) => v switch
    {
        >= 1e6 => FormattableString.Invariant($"{v / 1e6:0.##}M"),
        >= 1e3 => FormattableString.Invariant($"{v / 1e3:0.##}K"),
        >= 1 => v.ToString("0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.#####", CultureInfo.InvariantCulture),
    };
}
