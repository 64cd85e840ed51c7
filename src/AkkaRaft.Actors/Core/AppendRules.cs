using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
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

    /// <summary>
    /// A follower's whole answer to an AppendEntries of its current term: recognise the leader, write what changes in
    /// the log, then acknowledge and commit (Figure 2, receiver steps 1 to 5).
    /// </summary>
    public static Step Answer(in PeerView peer, AppendEntries ae)
    {
        var decision = Decide(peer.Log, peer.CommitIndex, ae);
        if (decision is AppendDecision.Contradicts contradicts) return Step.Drop(contradicts.Reason);
        if (decision is AppendDecision.Mismatch mismatch)
            return new Step
            {
                Leader = ae.From,
                To = ae.From,
                // A refusal is always sent, even to news of the commit index alone, so the leader backs up (§5.3).
                Message = new AppendEntriesResult(peer.ClusterId, peer.Id, peer.CurrentTerm, false, 0, ae.PrevLogIndex, mismatch.ConflictTerm, mismatch.ConflictIndex) { Round = ae.Round },
            };

        var (events, matchIndex) = (AppendDecision.Matches)decision;
        return new Step
        {
            Events = events,
            Write = events.Count switch
            {
                // The match may rest on entries still being written: answer once they are durable.
                0 => StepWrite.AfterEarlierWrites,
                1 when events[0] is EntriesAppended => StepWrite.Pipelined,
                // A truncation holds the mailbox until it is durable; it is rare (a new leader's first message).
                _ => StepWrite.Holding,
            },
            Leader = ae.From,
            To = ae.From,
            // The answer speaks of the message's term: by the time the write completes the peer may have moved on. A
            // leader that sent only news of its commit index asked for no success answer.
            Message = ae.AnswerSuccess ? new AppendEntriesResult(peer.ClusterId, peer.Id, ae.Term, true, matchIndex, 0, 0, 0) { Round = ae.Round } : null,
            // Figure 2, receiver step 5: commitIndex = min(leaderCommit, index of last new entry).
            CommitTo = Math.Min(ae.LeaderCommit, matchIndex),
        };
    }

    /// <summary>
    /// While earlier appends are still being written, splits a success answer that would wait for them
    /// (<see cref="StepWrite.AfterEarlierWrites"/>): the leader hears now that this peer follows it, and the answer
    /// claims a match only up to <paramref name="durableIndex"/>; the commit still waits for the writes. The entries
    /// being written are acknowledged by their own answers once durable, so nothing is claimed early. Without it, a disk
    /// that stalls longer than the leader's quorum check silences every follower at once, and a leader that nothing
    /// cut off steps down (etcd likewise answers heartbeats without waiting for storage).
    /// </summary>
    /// <returns>The answer to send now and the rest of the step, or null when the step is not such an answer.</returns>
    public static (AppendEntriesResult Now, Step Later)? AnswerAheadOfWrites(in Step step, long durableIndex)
    {
        if (step.Write != StepWrite.AfterEarlierWrites || step.Message is not AppendEntriesResult { Success: true } answer) return null;
        return (answer with { MatchIndex = Math.Min(answer.MatchIndex, durableIndex) }, step with { Message = null });
    }
}
