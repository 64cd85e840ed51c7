namespace AkkaRaft.Actors.Protocol;

/// <summary>One entry of the replicated log: an opaque command, stamped with the index and the
/// term in which a leader first received it (Raft paper §5.3).</summary>
/// <param name="Index">Position in the log, from 1.</param>
/// <param name="Term">Term of the leader that created the entry.</param>
/// <param name="Command">The application's command bytes. The log never looks inside them; do not mutate them once proposed.</param>
public sealed record LogEntry(long Index, long Term, byte[] Command)
{
    /// <summary>
    /// What the entry carries: an application command (the default), or a configuration of the group, whose
    /// <see cref="Command"/> bytes are then the encoded configuration and which never reaches the state machine.
    /// </summary>
    public LogEntryKind Kind { get; init; } = LogEntryKind.Command;
}

/// <summary>What a <see cref="LogEntry"/> carries. The values are part of the storage and wire format: never change one.</summary>
public enum LogEntryKind : byte
{
    /// <summary>An application command, handed to the state machine once committed.</summary>
    Command = 0,

    /// <summary>A configuration of the group (Raft thesis §4): it takes effect when appended and is kept by the peer itself.</summary>
    Configuration = 1,
}
