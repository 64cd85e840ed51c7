namespace AkkaRaft.Actors;

// The state-machine contract: everything a peer and the state machine it drives (its apply target,
// RaftActorOptions.ApplyTo) say to each other, in one place.
//
// To the state machine, from its peer, in log order:
// - Applied: a committed entry. Each index once per incarnation of the peer; a restarted peer starts again from its
//   snapshot (SnapshotInstalled first) or from index 1, so the state machine starts empty with each incarnation.
//   An entry whose command is empty is a no-op (a leader's entry of its term, or a configuration change, which the
//   peer keeps itself): skip it.
// - SnapshotInstalled: replace your whole state with these bytes (a snapshot recovered at start, or installed from
//   the leader); every later Applied continues from it.
// - SnapshotRequested: the log has grown past akka.raft.snapshot's thresholds; answer with a Snapshot of your state
//   at the index you have applied.
// - ReadIndexReady / ReadIndexRejected: the answer to a ReadIndex the state machine asked for, sent after the
//   Applied messages up to its index, so the state machine can serve the read from its own state.
//
// From the state machine (or any client) to the peer:
// - Propose: append a command; the leader answers ProposeAccepted, anyone else NotLeader. Acceptance is not commitment.
// - Snapshot: your state up to an index you have applied; the peer compacts its log up to it.
// - ReadIndex: ask for a linearizable read point (Raft thesis §6.4).

/// <summary>
/// Ask a peer to append <paramref name="Command"/> to the replicated log.
/// The leader answers at once with <see cref="ProposeAccepted"/>; any other peer with <see cref="NotLeader"/>.
/// Acceptance is not commitment: the command is committed when it is applied (see <see cref="Applied"/>).
/// </summary>
/// <param name="Command">Opaque command bytes; do not mutate them after proposing.</param>
public sealed record Propose(byte[] Command);

/// <summary>The leader appended the proposed command; if it commits, it will be at <paramref name="Index"/> in <paramref name="Term"/>.</summary>
/// <param name="Index">The entry's log index.</param>
/// <param name="Term">The leader's term, which is the entry's term.</param>
public sealed record ProposeAccepted(long Index, long Term);

/// <summary>The peer is not the leader and did not append the command.</summary>
/// <param name="PeerId">The peer that refused.</param>
/// <param name="LeaderId">The leader it knows of, if any: try there.</param>
public sealed record NotLeader(string PeerId, string? LeaderId);

/// <summary>
/// A committed entry, delivered to the peer's apply target in log order, each index once per incarnation of the peer.
/// An empty <paramref name="Command"/> is a no-op (a new leader's entry of its term, a read barrier, or a membership
/// change, which the peer keeps itself): skip it.
/// </summary>
/// <param name="PeerId">The peer that applied it.</param>
/// <param name="Index">The entry's index.</param>
/// <param name="Term">The entry's term.</param>
/// <param name="Command">The command bytes.</param>
public sealed record Applied(string PeerId, long Index, long Term, byte[] Command);

/// <summary>
/// From the state machine to its peer: <paramref name="State"/> captures
/// every entry up to <paramref name="Index"/>, which the peer has applied; the peer stores it and discards that log
/// prefix, in memory and in its journal. Ignored when the peer already has a snapshot at or past that index, or has
/// not applied that far.
/// </summary>
/// <param name="Index">Last index the state covers.</param>
/// <param name="State">The state machine's serialized state as of <paramref name="Index"/>.</param>
public sealed record Snapshot(long Index, byte[] State);

/// <summary>
/// From the peer to its apply target: replace your state with <paramref name="State"/>, which covers every entry up
/// to <paramref name="Index"/>. Sent when the peer restarts from a snapshot and when it installs one from the
/// leader; it always comes before any <see cref="Applied"/> of a later index.
/// </summary>
/// <param name="PeerId">The peer.</param>
/// <param name="Index">Last index the state covers.</param>
/// <param name="Term">Term of the entry at <paramref name="Index"/>.</param>
/// <param name="State">The state machine's serialized state.</param>
public sealed record SnapshotInstalled(string PeerId, long Index, long Term, byte[] State);

/// <summary>
/// From the peer to its apply target, when <c>akka.raft.snapshot</c> thresholds are set and its log has grown past
/// them: please answer with a <see cref="Snapshot"/> of your state as of <paramref name="LastApplied"/> or later.
/// </summary>
/// <param name="PeerId">The peer.</param>
/// <param name="LastApplied">The highest index it has applied.</param>
public sealed record SnapshotRequested(string PeerId, long LastApplied);

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
