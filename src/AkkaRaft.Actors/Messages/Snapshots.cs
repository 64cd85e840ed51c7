namespace AkkaRaft.Actors.Messages;

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
