namespace AkkaRaft.Actors.Replication;

/// <summary>A ReadIndex request the leader holds until its leadership is confirmed and its read point applied.</summary>
/// <param name="RequestId">The requester's id for it.</param>
/// <param name="ReplyTo">The requester.</param>
/// <param name="Index">The read point: the commit index when the read was admitted (0 until known).</param>
/// <param name="Round">The heartbeat round that must be acknowledged by a majority (0 until assigned).</param>
internal sealed record PendingRead(long RequestId, IActorRef ReplyTo, long Index, long Round);
