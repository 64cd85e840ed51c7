using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors.Protocol;

/// <summary>
/// A leader replicates entries, or with none asserts its leadership as a heartbeat
/// (Raft paper Figure 2, AppendEntries RPC).
/// </summary>
/// <param name="ClusterId">The Raft group.</param>
/// <param name="From">The leader's id.</param>
/// <param name="Term">The leader's term.</param>
/// <param name="PrevLogIndex">Index of the entry just before <paramref name="Entries"/>.</param>
/// <param name="PrevLogTerm">Term of the entry at <paramref name="PrevLogIndex"/>.</param>
/// <param name="Entries">Entries to store, in index order, starting at <paramref name="PrevLogIndex"/> + 1; empty for a heartbeat.</param>
/// <param name="LeaderCommit">The leader's commit index.</param>
public sealed record AppendEntries(
    string ClusterId, string From, long Term,
    long PrevLogIndex, long PrevLogTerm,
    IReadOnlyList<LogEntry> Entries,
    long LeaderCommit) : IRaftRequest
{
    /// <summary>The leader's latest read-confirmation round, echoed in the answer (Raft thesis §6.4).</summary>
    internal long Round { get; init; }

    /// <summary>
    /// False when the leader sends only a new commit index and needs no answer if the log matches: the answer would
    /// tell it nothing it will not hear from its earlier appends. A refusal is always answered.
    /// </summary>
    internal bool AnswerSuccess { get; init; } = true;

    /// <summary>Index of the last entry this message carries, or <see cref="PrevLogIndex"/> when it carries none.</summary>
    public long LastIndex => PrevLogIndex + Entries.Count;
}

/// <summary>
/// The answer to an <see cref="AppendEntries"/>. On success <paramref name="MatchIndex"/> is the
/// last index the follower now holds in agreement with the leader (durably). On rejection the
/// conflict hint lets the leader skip back a whole term per round trip (Raft paper §5.3, the
/// "fast backup" optimisation): <paramref name="ConflictTerm"/> is the term of the follower's entry
/// at the rejected <paramref name="RejectedPrevLogIndex"/> (0 when it has no entry there) and
/// <paramref name="ConflictIndex"/> the first index it holds for that term (or its last index + 1).
/// </summary>
/// <param name="ClusterId">The Raft group.</param>
/// <param name="From">The follower's id.</param>
/// <param name="Term">The follower's current term; on success, the term of the message answered (current when it arrived: the
/// answer waits for the journal, and the follower may have moved on by then).</param>
/// <param name="Success">True when the follower's log matched at the previous index and now holds the entries.</param>
/// <param name="MatchIndex">On success, the last index known to match the leader's log.</param>
/// <param name="RejectedPrevLogIndex">On rejection, the <see cref="AppendEntries.PrevLogIndex"/> that did not match.</param>
/// <param name="ConflictTerm">On rejection, the follower's term at that index, or 0 when its log is shorter.</param>
/// <param name="ConflictIndex">On rejection, where the leader should look next.</param>
public sealed record AppendEntriesResult(
    string ClusterId, string From, long Term, bool Success,
    long MatchIndex, long RejectedPrevLogIndex, long ConflictTerm, long ConflictIndex) : IRaftResponse
{
    /// <summary>The <see cref="AppendEntries.Round"/> this answers: the follower still recognised the leader then.</summary>
    internal long Round { get; init; }
}
