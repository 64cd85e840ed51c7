namespace AkkaRaft.Actors.Protocol;

/// <summary>One entry of the replicated log: an opaque command, stamped with the index and the
/// term in which a leader first received it (Raft paper §5.3).</summary>
/// <param name="Index">Position in the log, from 1.</param>
/// <param name="Term">Term of the leader that created the entry.</param>
/// <param name="Command">The application's command bytes. The log never looks inside them; do not mutate them once proposed.</param>
public sealed record LogEntry(long Index, long Term, byte[] Command);
