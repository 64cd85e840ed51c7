using System.Globalization;

namespace AkkaRaft.Bench;

/// <summary>
/// With <c>--metrics</c>, the <c>process</c> row's nodes serve their metrics (<c>--metrics-port</c>); these read each
/// node's duration histograms before and after the measured window and describe each one's mean over the window:
/// where one put's time goes, node by node (a journal write, a proposal's commit, an apply).
/// </summary>
internal static class NodeDurations
{
    private const string Sum = "_seconds_sum";
    private const string Count = "_seconds_count";

    /// <summary>The sum and count of every histogram in seconds on a Prometheus text page, added up over its label sets.</summary>
    public static Dictionary<string, (double Sum, double Count)> Parse(string page)
    {
        var result = new Dictionary<string, (double Sum, double Count)>(StringComparer.Ordinal);
        foreach (var raw in page.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (nameEnd <= 0) continue;
            var name = line[..nameEnd];
            var isSum = name.EndsWith(Sum, StringComparison.Ordinal);
            if (!isSum && !name.EndsWith(Count, StringComparison.Ordinal)) continue;
            if (!double.TryParse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) continue;
            var histogram = name[..^(isSum ? Sum.Length : Count.Length)];
            var (sum, count) = result.GetValueOrDefault(histogram);
            result[histogram] = isSum ? (sum + value, count) : (sum, count + value);
        }
        return result;
    }

    /// <summary>Each node's histograms, read from <c>http://127.0.0.1:PORT/metrics</c>.</summary>
    public static async Task<Dictionary<string, (double Sum, double Count)>[]> Read(IReadOnlyList<int> ports)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var pages = await Task.WhenAll(ports.Select(p => http.GetStringAsync(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{p}/metrics"))));
        return pages.Select(Parse).ToArray();
    }

    /// <summary>One line per histogram that recorded something between the two readings: its mean in µs and how many.</summary>
    public static IEnumerable<string> Describe(string node, Dictionary<string, (double Sum, double Count)> before, Dictionary<string, (double Sum, double Count)> after)
    {
        foreach (var (name, (sum, count)) in after.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            var (sumBefore, countBefore) = before.GetValueOrDefault(name);
            var recorded = count - countBefore;
            if (recorded <= 0) continue;
            yield return string.Create(CultureInfo.InvariantCulture, $"{node} {name}: mean {(sum - sumBefore) / recorded * 1e6:F1} µs over {recorded:N0}");
        }
    }
}
