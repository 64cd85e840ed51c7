namespace AkkaRaft.Actors;

/// <summary>
/// Sent by a peer to its parent just before it stops because its journal could not be read or decoded.
/// A supervisor must not restart such a peer: it would fail again, and a peer must never start over with
/// an empty log as if it were new.
/// </summary>
/// <param name="PeerId">The peer that failed.</param>
/// <param name="Reason">What went wrong, in one line.</param>
public sealed record RecoveryFailed(string PeerId, string Reason);
