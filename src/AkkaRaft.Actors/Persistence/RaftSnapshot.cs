using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors.Persistence;

/// <summary>
/// What a peer saves to the Akka.Persistence snapshot store: everything its journal held up to that point, so the
/// journal events before it can be deleted. The state machine's snapshot, the index and term it ends at, the term
/// and vote, and the log entries after it.
/// </summary>
internal sealed record RaftSnapshot(long Term, string? VotedFor, long LastIncludedIndex, long LastIncludedTerm, byte[] State, IReadOnlyList<LogEntry> Suffix);
