using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors.Persistence;

/// <summary>Marker of the events a peer writes to its journal; replaying them rebuilds term, vote and log.</summary>
internal interface IRaftEvent;

/// <summary>The peer's term or vote changed (Figure 2: currentTerm and votedFor are persistent state).</summary>
internal sealed record HardStateChanged(long Term, string? VotedFor) : IRaftEvent;

/// <summary>Entries were appended at the end of the log.</summary>
internal sealed record EntriesAppended(IReadOnlyList<LogEntry> Entries) : IRaftEvent;

/// <summary>Every entry at or after <see cref="FromIndex"/> was removed because it conflicted with the leader's log.</summary>
internal sealed record LogTruncated(long FromIndex) : IRaftEvent;
