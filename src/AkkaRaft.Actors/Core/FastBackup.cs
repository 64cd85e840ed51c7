using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;

namespace AkkaRaft.Actors.Core;

/// <summary>
/// The conflict hint of a rejected AppendEntries (Raft paper §5.3, end: the follower names the conflicting
/// term and the first index it stores for that term, so the leader skips a whole term per round trip).
/// </summary>
internal static class FastBackup
{
    /// <summary>The follower's side: what to report when its log does not match at <paramref name="prevLogIndex"/>.</summary>
    public static (long ConflictTerm, long ConflictIndex) Hint(RaftLog log, long prevLogIndex)
    {
        if (prevLogIndex > log.LastIndex) return (0, log.LastIndex + 1);
        var term = log.TermAt(prevLogIndex)!.Value;
        return (term, log.FirstIndexOfTermEndingAt(prevLogIndex));
    }

    /// <summary>
    /// The leader's side: the next index to try. When the leader holds entries of the conflicting term it resumes
    /// just after its last one (the logs may agree up to there); otherwise it skips the follower's whole term.
    /// </summary>
    public static long NextIndex(RaftLog log, AppendEntriesResult rejection)
    {
        if (rejection.ConflictTerm == 0) return rejection.ConflictIndex;
        var last = log.LastIndexOfTerm(rejection.ConflictTerm);
        return last is { } l ? l + 1 : rejection.ConflictIndex;
    }
}
