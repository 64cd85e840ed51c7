namespace AkkaRaft.Actors.Protocol;

/// <summary>
/// One chunk of the leader's snapshot, for a follower that needs entries the leader has compacted away
/// (Raft paper §7, Figure 13). Chunks are sent one at a time, in order; the follower assembles them.
/// </summary>
/// <param name="ClusterId">The Raft group.</param>
/// <param name="From">The leader's id.</param>
/// <param name="Term">The leader's term.</param>
/// <param name="LastIncludedIndex">The snapshot replaces every entry up to this index.</param>
/// <param name="LastIncludedTerm">Term of the entry at <paramref name="LastIncludedIndex"/>.</param>
/// <param name="Offset">Byte offset of <paramref name="Data"/> in the snapshot.</param>
/// <param name="Data">This chunk's bytes.</param>
/// <param name="Done">True for the last chunk.</param>
public sealed record InstallSnapshot(
    string ClusterId, string From, long Term,
    long LastIncludedIndex, long LastIncludedTerm,
    long Offset, byte[] Data, bool Done) : IRaftRequest
{
    /// <summary>
    /// On the last chunk: the configuration in effect at <see cref="LastIncludedIndex"/> and the index that created it,
    /// which the follower takes with the snapshot (Raft thesis §4, §5.1); null from a leader that sends none.
    /// </summary>
    internal Core.ConfigurationEntry? Configuration { get; init; }
}

/// <summary>The answer to an <see cref="InstallSnapshot"/> chunk.</summary>
/// <param name="ClusterId">The Raft group.</param>
/// <param name="From">The follower's id.</param>
/// <param name="Term">The follower's current term.</param>
/// <param name="LastIncludedIndex">The snapshot this answers for.</param>
/// <param name="NextOffset">The offset of the next byte the follower expects (the leader resends from there).</param>
/// <param name="Installed">True when the follower holds (durably) a snapshot or log covering <paramref name="LastIncludedIndex"/>.</param>
public sealed record InstallSnapshotResult(
    string ClusterId, string From, long Term,
    long LastIncludedIndex, long NextOffset, bool Installed) : IRaftResponse;
