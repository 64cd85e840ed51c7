using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors.Persistence;

/// <summary>
/// What a peer saves to the Akka.Persistence snapshot store: everything its journal held up to that point, so the
/// journal events before it can be deleted. The state machine's snapshot, the index and term it ends at, the term
/// and vote, and the log entries after it.
/// </summary>
internal sealed record RaftSnapshot(long Term, string? VotedFor, long LastIncludedIndex, long LastIncludedTerm, byte[] State, IReadOnlyList<LogEntry> Suffix)
{
    /// <summary>
    /// The configuration in effect at <see cref="LastIncludedIndex"/> and the index of the entry that created it, or
    /// null when none is recorded. The entries that created it are compacted away, so the snapshot must carry it
    /// (Raft thesis §4.1, §5.1).
    /// </summary>
    public ConfigurationEntry? Configuration { get; init; }
}
