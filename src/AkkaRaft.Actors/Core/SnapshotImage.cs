namespace AkkaRaft.Actors.Core;

/// <summary>
/// A snapshot as the leader sends it to one follower: the last index and term it covers, the state machine's bytes and
/// the configuration in effect at its last index. Held for the length of a transfer, so that a newer snapshot taken
/// meanwhile neither restarts the transfer nor leaves the leader without the configuration of the one being sent.
/// </summary>
internal sealed record SnapshotImage(long Index, long Term, byte[] State, ConfigurationEntry Configuration);
