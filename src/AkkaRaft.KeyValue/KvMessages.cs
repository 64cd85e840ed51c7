namespace AkkaRaft.KeyValue;

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
/// Asks the leader to register a new client session through the log (Raft thesis §6.3). Once the register entry is
/// applied, the server answers with a <see cref="KvResponse"/> whose <see cref="KvResponse.SessionId"/> is the new
/// session: the entry's log index, unique across client restarts. Writes need one; reads do not.
/// </summary>
public sealed class KvRegister : IKvMessage
{
    /// <summary>The only instance.</summary>
    public static readonly KvRegister Instance = new();

    private KvRegister() { }
}

/// <summary>
/// A client's request. For a write, <paramref name="SessionId"/> and <paramref name="Sequence"/> make it unique: a
/// server applies it at most once however often it is retried, and never after its session expired (Raft thesis §6.3).
/// A client issues one request at a time, with sequence numbers that only grow. A Get needs no session (its
/// <paramref name="SessionId"/> may be 0); its <paramref name="Sequence"/> is only echoed back.
/// </summary>
/// <param name="SessionId">The session a <see cref="KvRegister"/> returned; 0 for a Get without one.</param>
/// <param name="Sequence">The request's number in that session, from 1.</param>
/// <param name="Operation">What to do.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value to put or append; ignored by Get.</param>
public sealed record KvRequest(long SessionId, long Sequence, KvOperation Operation, string Key, string Value = "") : IKvMessage;

/// <summary>How a server answered a <see cref="KvRequest"/> or a <see cref="KvRegister"/>.</summary>
public enum KvStatus
{
    /// <summary>Done: the write is applied (exactly once), the read's value is current, or the session is registered.</summary>
    Ok,

    /// <summary>This server is not the leader; try the leader it names, if any. Nothing was done.</summary>
    NotLeader,

    /// <summary>This server lost leadership while the request was in flight, or is handing it over: the outcome is unknown here; retry it (unchanged).</summary>
    Retry,

    /// <summary>
    /// The write's session is unknown to the state machine (it expired, evicted by newer sessions): the write was not
    /// applied now, and a retry never will be. An earlier attempt of it may or may not have been applied. Register a
    /// new session for further writes.
    /// </summary>
    SessionExpired,
}

/// <summary>The answer to a <see cref="KvRequest"/> or a <see cref="KvRegister"/>.</summary>
/// <param name="SessionId">The request's session; for a <see cref="KvRegister"/> answered Ok, the new session.</param>
/// <param name="Sequence">The request's sequence number (0 for a <see cref="KvRegister"/>).</param>
/// <param name="Status">The outcome.</param>
/// <param name="Value">For a successful Get, the value (null when the key is absent).</param>
/// <param name="LeaderId">With <see cref="KvStatus.NotLeader"/>, the leader this server knows of.</param>
public sealed record KvResponse(long SessionId, long Sequence, KvStatus Status, string? Value = null, string? LeaderId = null) : IKvMessage;

/// <summary>
/// Several requests in one message, for a client that runs many sessions at once (a gateway, a load generator): the
/// server handles each as if it had come alone from this message's sender, and answers with <see cref="KvResponse"/>
/// or, when several answers to the same sender are ready together, one <see cref="KvResponses"/>. Across the network
/// this saves a message, its envelope and its frame per request. The sender tells the answers apart by
/// (<see cref="KvResponse.SessionId"/>, <see cref="KvResponse.Sequence"/>), so it keeps those unique among its
/// requests in flight (a Get may carry its client's session for that). At most <see cref="MaxCount"/> requests; a
/// larger batch is dropped with a warning. Keep a batch well under Akka.Remote's
/// <c>akka.remote.dot-netty.tcp.maximum-frame-size</c>.
/// </summary>
/// <param name="Requests">The requests, handled in this order.</param>
public sealed record KvRequests(IReadOnlyList<KvRequest> Requests) : IKvMessage
{
    /// <summary>The most requests one batch may hold, and the most answers one <see cref="KvResponses"/> holds.</summary>
    public const int MaxCount = 1024;
}

/// <summary>
/// Answers to requests a sender sent in <see cref="KvRequests"/>, in the order the server reached them, each the
/// <see cref="KvResponse"/> it would have sent alone. At most <see cref="KvRequests.MaxCount"/> answers and about
/// <see cref="MaxBytes"/> of values per message: more answers ready at once arrive in several messages.
/// </summary>
/// <param name="Responses">The answers.</param>
public sealed record KvResponses(IReadOnlyList<KvResponse> Responses) : IKvMessage
{
    /// <summary>The most bytes of keys' values and leader ids one message carries, unless a single answer alone is larger.</summary>
    public const int MaxBytes = 32 * 1024;
}
