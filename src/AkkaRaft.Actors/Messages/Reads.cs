namespace AkkaRaft.Actors.Messages;

/// <summary>
/// Ask the leader for a linearizable read point without writing to the log (Raft thesis §6.4, ReadIndex). When the
/// leader has confirmed, with a heartbeat round acknowledged by a majority, that it still leads, and has applied up
/// to its commit index as of the request, it sends <see cref="ReadIndexReady"/> to its apply target, after every
/// <see cref="Applied"/> up to that index: the state machine can then answer the read from its own state. A peer
/// that is not leader, or loses leadership before the read is ready, answers the requester with <see cref="ReadIndexRejected"/>.
/// </summary>
/// <param name="RequestId">Chosen by the requester to match the answer.</param>
public sealed record ReadIndex(long RequestId);

/// <summary>The read <paramref name="RequestId"/> may be served now: every entry up to <paramref name="Index"/> has been applied.
/// Its sender is the actor that asked.</summary>
/// <param name="RequestId">The request's id.</param>
/// <param name="Index">The read point.</param>
public sealed record ReadIndexReady(long RequestId, long Index);

/// <summary>The read <paramref name="RequestId"/> was not served: this peer is not (or no longer) the leader.</summary>
/// <param name="RequestId">The request's id.</param>
/// <param name="PeerId">The peer that refused.</param>
/// <param name="LeaderId">The leader it knows of, if any.</param>
public sealed record ReadIndexRejected(long RequestId, string PeerId, string? LeaderId);
