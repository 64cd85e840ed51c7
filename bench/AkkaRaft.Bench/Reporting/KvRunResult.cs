using System.Globalization;
using System.Text;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Bench;

/// <summary>One row of the key-value table: the operations of one kind, at one client count, over the measured window.</summary>
internal sealed record KvRunResult(string Journal, KvOperation Operation, int Clients, long Operations, double PerSecond, double P50Ms, double P99Ms, double MaxMs, string? Failure)
{
    public static KvRunResult From(string journal, KvOperation operation, int clients, Measurement m) =>
        new(journal, operation, clients, m.Latency.Count, m.Latency.PerSecond, m.Latency.P50Ms, m.Latency.P99Ms, m.Latency.MaxMs, m.Failure);

    /// <summary>A row that could not be measured at all (no leader, a refused start).</summary>
    public static KvRunResult Failed(string journal, KvOperation operation, int clients, string reason) =>
        new(journal, operation, clients, 0, double.NaN, double.NaN, double.NaN, double.NaN, reason);

    public static string Table(IEnumerable<KvRunResult> rows)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("| journal | op  | clients |   ops/s | p50 ms | p99 ms | max ms |");
        sb.AppendLine("|---------|-----|--------:|--------:|-------:|-------:|-------:|");
        foreach (var r in rows)
        {
            var op = r.Operation.ToString().ToLowerInvariant();
            sb.AppendLine(string.Create(ci,
                $"| {r.Journal,-7} | {op,-3} | {r.Clients,7} | {r.PerSecond,7:F0} | {r.P50Ms,6:F3} | {r.P99Ms,6:F3} | {r.MaxMs,6:F2} |"));
            if (r.Failure is not null) sb.AppendLine($"  ^ FAILED: {r.Failure}");
        }
        return sb.ToString();
    }
}
