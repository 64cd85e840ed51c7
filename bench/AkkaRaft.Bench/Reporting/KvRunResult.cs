using System.Globalization;
using System.Text;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Bench;

/// <summary>
/// One row of the key-value table: the operations of one kind, at one client count, over the measured window, on peers
/// whose <c>akka.raft.reads</c> is <see cref="Reads"/>.
/// </summary>
internal sealed record KvRunResult(string Journal, string Reads, KvOperation Operation, int Clients, long Operations, double PerSecond, double P50Ms, double P99Ms, double MaxMs, string? Failure)
{
    public static KvRunResult From(string journal, string reads, KvOperation operation, int clients, Measurement m) =>
        new(journal, reads, operation, clients, m.Latency.Count, m.Latency.PerSecond, m.Latency.P50Ms, m.Latency.P99Ms, m.Latency.MaxMs, m.Failure);

    /// <summary>A row that could not be measured at all (no leader, a refused start).</summary>
    public static KvRunResult Failed(string journal, string reads, KvOperation operation, int clients, string reason) =>
        new(journal, reads, operation, clients, 0, double.NaN, double.NaN, double.NaN, double.NaN, reason);

    /// <summary>The table; with <paramref name="showReads"/>, a column gives each row's read mode.</summary>
    public static string Table(IEnumerable<KvRunResult> rows, bool showReads)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(showReads
            ? "| journal | reads      | op  | clients |   ops/s | p50 ms | p99 ms | max ms |"
            : "| journal | op  | clients |   ops/s | p50 ms | p99 ms | max ms |");
        sb.AppendLine(showReads
            ? "|---------|------------|-----|--------:|--------:|-------:|-------:|-------:|"
            : "|---------|-----|--------:|--------:|-------:|-------:|-------:|");
        foreach (var r in rows)
        {
            var op = r.Operation.ToString().ToLowerInvariant();
            var reads = showReads ? $" {r.Reads,-10} |" : "";
            sb.AppendLine(string.Create(ci,
                $"| {r.Journal,-7} |{reads} {op,-3} | {r.Clients,7} | {r.PerSecond,7:F0} | {r.P50Ms,6:F3} | {r.P99Ms,6:F3} | {r.MaxMs,6:F2} |"));
            if (r.Failure is not null) sb.AppendLine($"  ^ FAILED: {r.Failure}");
        }
        return sb.ToString();
    }
}
