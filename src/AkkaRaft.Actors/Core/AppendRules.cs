using AkkaRaft.Actors.Messages;
using AkkaRaft.Actors.Persistence;

namespace AkkaRaft.Actors.Core;

/// <summary>What a follower does with an AppendEntries of its current term.</summary>
internal abstract record AppendDecision
{
    private AppendDecision() { }

    /// <summary>The message contradicts what this peer knows to be committed: drop it, saying why.</summary>
    public sealed record Contradicts(string Reason) : AppendDecision;

    /// <summary>The log does not match at the previous index: refuse, with the fast-backup hint (§5.3).</summary>
    public sealed record Mismatch(long ConflictTerm, long ConflictIndex) : AppendDecision;

    /// <summary>
    /// The log matches up to the previous index: make <see cref="Events"/> durable (none when the log already holds
    /// every entry; one append at its end; or a truncation and an append), then acknowledge <see cref="MatchIndex"/>.
    /// </summary>
    public sealed record Matches(IReadOnlyList<IRaftEvent> Events, long MatchIndex) : AppendDecision;
}

/// <summary>Figure 2, AppendEntries receiver: the consistency check and what changes in the log.</summary>
internal static class AppendRules
{
    public static AppendDecision Decide(RaftLog log, long commitIndex, AppendEntries ae)
    {
        // Below the snapshot every entry is committed, so it matches the leader's: only the part past it is checked.
        if (ae.PrevLogIndex < log.SnapshotIndex && ae.LastIndex > log.SnapshotIndex
            && ae.Entries[(int)(log.SnapshotIndex - ae.PrevLogIndex - 1)].Term != log.SnapshotTerm)
        {
            // A leader's log holds every committed entry (§5.4, Leader Completeness), the snapshot's last one included:
            // entries that disagree with it did not come from a correct leader, and would not continue this log.
            return new AppendDecision.Contradicts($"its entry {log.SnapshotIndex} is not of term {log.SnapshotTerm}, as the snapshot says");
        }
        if (ae.PrevLogIndex >= log.SnapshotIndex && !log.Matches(ae.PrevLogIndex, ae.PrevLogTerm))
        {
            var (conflictTerm, conflictIndex) = FastBackup.Hint(log, ae.PrevLogIndex);
            return new AppendDecision.Mismatch(conflictTerm, conflictIndex);
        }

        // The log matches up to PrevLogIndex. Only entries that are missing, or that really conflict (same index, other
        // term), change it: a stale or duplicated message changes nothing (§5.3).
        if (log.FindConflict(ae.Entries) is not { } first) return new AppendDecision.Matches(Array.Empty<IRaftEvent>(), ae.LastIndex);
        var appended = new EntriesAppended(ae.Entries.Where(e => e.Index >= first).ToArray());
        if (first > log.LastIndex) return new AppendDecision.Matches(new IRaftEvent[] { appended }, ae.LastIndex);
        // Leader Completeness makes this impossible; refusing keeps a committed entry from being lost.
        if (first <= commitIndex) return new AppendDecision.Contradicts($"it would truncate committed index {first} (commit {commitIndex})");
        return new AppendDecision.Matches(new IRaftEvent[] { new LogTruncated(first), appended }, ae.LastIndex);
    }
}
