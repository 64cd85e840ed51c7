namespace AkkaRaft.Actors.KeyValue;

/// <summary>Marker of the key-value messages that cross the wire between clients and servers.</summary>
public interface IKvMessage;

/// <summary>The three operations of the replicated key-value store.</summary>
public enum KvOperation
{
    /// <summary>Read a key's value (null when absent), linearizably, without writing to the log.</summary>
    Get,

    /// <summary>Set a key's value.</summary>
    Put,

    /// <summary>Append to a key's value (an absent key is treated as empty).</summary>
    Append,
}

/// <summary>
/// A client's request. <paramref name="ClientId"/> and <paramref name="Sequence"/> make it unique: a server applies a
/// write at most once however often it is retried (Raft thesis §6.3). A client issues one request at a time, with
/// sequence numbers that only grow.
/// </summary>
/// <param name="ClientId">The client's stable, unique id.</param>
/// <param name="Sequence">The request's number for that client, from 1.</param>
/// <param name="Operation">What to do.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value to put or append; ignored by Get.</param>
public sealed record KvRequest(string ClientId, long Sequence, KvOperation Operation, string Key, string Value = "") : IKvMessage;

/// <summary>How a server answered a <see cref="KvRequest"/>.</summary>
public enum KvStatus
{
    /// <summary>Done: the write is applied (exactly once), or the read's value is current.</summary>
    Ok,

    /// <summary>This server is not the leader; try the leader it names, if any. Nothing was done.</summary>
    NotLeader,

    /// <summary>This server lost leadership while the request was in flight: its outcome is unknown here; retry it (unchanged).</summary>
    Retry,
}

/// <summary>The answer to a <see cref="KvRequest"/>.</summary>
/// <param name="ClientId">The request's client.</param>
/// <param name="Sequence">The request's sequence number.</param>
/// <param name="Status">The outcome.</param>
/// <param name="Value">For a successful Get, the value (null when the key is absent).</param>
/// <param name="LeaderId">With <see cref="KvStatus.NotLeader"/>, the leader this server knows of.</param>
public sealed record KvResponse(string ClientId, long Sequence, KvStatus Status, string? Value = null, string? LeaderId = null) : IKvMessage;
