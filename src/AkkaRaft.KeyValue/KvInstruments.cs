using System.Diagnostics.Metrics;
using AkkaRaft.Actors.Metrics;

namespace AkkaRaft.KeyValue;

/// <summary>
/// The key-value store's instruments, on the library's meter (<see cref="RaftMetrics.MeterName"/>), so one listener
/// hears the peers and the store.
/// </summary>
internal static class KvInstruments
{
    /// <summary>Tag: the request's operation (get, put, append, register).</summary>
    public const string Operation = "raft.kv.operation";

    /// <summary>Tag: how the request was answered (ok, not_leader, retry, session_expired).</summary>
    public const string Result = "raft.kv.result";

    public static readonly Counter<long> Requests = RaftInstruments.Meter.CreateCounter<long>("raft.kv.requests",
        "{request}", "Key-value requests a server answered, by operation and result.");

    public static readonly Counter<long> DedupHits = RaftInstruments.Meter.CreateCounter<long>("raft.kv.dedup_hits",
        "{request}", "Retried key-value writes answered from the session table instead of being applied again.");

    public static readonly Histogram<double> ApplyDuration = RaftInstruments.Meter.CreateHistogram("raft.apply.duration",
        "s", "Time the key-value state machine took to apply one committed entry.", tags: null, RaftInstruments.Seconds);
}
