using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors.Core;

/// <summary>
/// Checks every field of a Raft message that a peer can judge without its own state: a message from the wire is
/// untrusted, and one that fails here is dropped with a warning before any rule acts on it. The checks a peer can only
/// make against its state (a match index beyond what the leader sent, an offset beyond its snapshot) are made where
/// that state is.
/// </summary>
internal static class WireChecks
{
    /// <summary>
    /// The bound on every term and index a peer accepts (exclusive: a peer at a term just below it can still campaign,
    /// at the bound it cannot). Terms grow by one per election and indexes by one per entry: at a
    /// million a second this bound is 146,000 years away. Below it, a term can always be incremented and an index plus
    /// an entry count never overflows, so the arithmetic of the rules needs no overflow handling of its own.
    /// </summary>
    public const long MaxTermOrIndex = 1L << 62;

    /// <summary>What is wrong with <paramref name="message"/>, or null when every field is plausible.</summary>
    public static string? Problem(IRaftMessage message)
    {
        if (message.From is null) return "no sender id";
        if (!InRange(message.Term)) return $"term {message.Term} outside 0..{MaxTermOrIndex - 1}";
        return message switch
        {
            RequestVote rv => CandidateLogProblem(rv.LastLogIndex, rv.LastLogTerm, rv.Term),
            PreVote pv => CandidateLogProblem(pv.LastLogIndex, pv.LastLogTerm, pv.Term),
            AppendEntries ae => AppendEntriesProblem(ae),
            AppendEntriesResult r => AppendEntriesResultProblem(r),
            InstallSnapshot s => InstallSnapshotProblem(s),
            InstallSnapshotResult r => InstallSnapshotResultProblem(r),
            _ => null,
        };
    }

    private static bool InRange(long value) => value is >= 0 and < MaxTermOrIndex;

    /// <summary>A RequestVote's or PreVote's last log position: an index in range, a term no later than the one asked for.</summary>
    private static string? CandidateLogProblem(long lastLogIndex, long lastLogTerm, long term)
    {
        if (!InRange(lastLogIndex)) return $"last log index {lastLogIndex} outside 0..{MaxTermOrIndex - 1}";
        if (lastLogTerm < 0 || lastLogTerm > term) return $"last log term {lastLogTerm} outside 0..{term} (the candidate's term)";
        return null;
    }

    private static string? AppendEntriesProblem(AppendEntries ae)
    {
        if (ae.Entries is null) return "no entry list";
        if (!InRange(ae.PrevLogIndex) || ae.PrevLogIndex >= MaxTermOrIndex - ae.Entries.Count)
            return $"previous index {ae.PrevLogIndex} with {ae.Entries.Count} entries outside 0..{MaxTermOrIndex - 1}";
        if (ae.PrevLogTerm < 0 || ae.PrevLogTerm > ae.Term) return $"previous term {ae.PrevLogTerm} outside 0..{ae.Term} (the leader's term)";
        if (!InRange(ae.LeaderCommit)) return $"leader commit {ae.LeaderCommit} outside 0..{MaxTermOrIndex - 1}";
        if (ae.Round < 0) return $"negative read round {ae.Round}";
        // Figure 2: the entries follow PrevLogIndex one by one, and terms never decrease along a log nor pass the leader's.
        var lastTerm = ae.PrevLogTerm;
        for (var i = 0; i < ae.Entries.Count; i++)
        {
            var e = ae.Entries[i];
            if (e is null || e.Command is null) return $"entry {i} is empty";
            // A kind this peer does not know could be neither applied nor obeyed (the serializer refuses it too).
            if (e.Kind is not (LogEntryKind.Command or LogEntryKind.Configuration)) return $"entry {e.Index} has unknown kind {(byte)e.Kind}";
            // Obeyed on append: one that does not decode as a valid configuration must never reach the log.
            if (e.Kind == LogEntryKind.Configuration && ConfigurationProblem(e.Command) is { } bad) return $"configuration entry {e.Index}: {bad}";
            if (e.Index != ae.PrevLogIndex + 1 + i) return $"entry {i} has index {e.Index}, not {ae.PrevLogIndex + 1 + i}: entries must continue from the previous index";
            if (e.Term < Math.Max(1, lastTerm) || e.Term > ae.Term) return $"entry {e.Index} has term {e.Term}, outside {Math.Max(1, lastTerm)}..{ae.Term}";
            lastTerm = e.Term;
        }
        return null;
    }

    private static string? AppendEntriesResultProblem(AppendEntriesResult r)
    {
        if (!InRange(r.MatchIndex)) return $"match index {r.MatchIndex} outside 0..{MaxTermOrIndex - 1}";
        if (!InRange(r.RejectedPrevLogIndex)) return $"rejected index {r.RejectedPrevLogIndex} outside 0..{MaxTermOrIndex - 1}";
        if (!InRange(r.ConflictTerm) || !InRange(r.ConflictIndex)) return $"conflict hint ({r.ConflictTerm}, {r.ConflictIndex}) outside 0..{MaxTermOrIndex - 1}";
        if (r.Round < 0) return $"negative read round {r.Round}";
        return null;
    }

    private static string? InstallSnapshotProblem(InstallSnapshot s)
    {
        if (s.LastIncludedIndex < 1 || s.LastIncludedIndex >= MaxTermOrIndex) return $"last included index {s.LastIncludedIndex} outside 1..{MaxTermOrIndex - 1}";
        if (s.LastIncludedTerm < 1 || s.LastIncludedTerm > s.Term) return $"last included term {s.LastIncludedTerm} outside 1..{s.Term} (the leader's term)";
        if (s.Data is null) return "no chunk data";
        // A snapshot is assembled in memory: its size must fit in an array.
        if (s.Offset < 0 || s.Offset > Array.MaxLength - s.Data.Length) return $"chunk at offset {s.Offset} of {s.Data.Length} bytes outside 0..{Array.MaxLength}";
        if (s.Configuration is { } c && (c.Membership is null || c.Index < 0 || c.Index > s.LastIncludedIndex))
            return $"configuration of index {c.Index} does not belong to a snapshot ending at {s.LastIncludedIndex}";
        return null;
    }

    /// <summary>Why <paramref name="bytes"/> are not a valid encoded configuration, or null.</summary>
    private static string? ConfigurationProblem(byte[] bytes)
    {
        try
        {
            Serialization.MembershipCodec.Decode(bytes);
            return null;
        }
        catch (System.Runtime.Serialization.SerializationException e)
        {
            return e.Message;
        }
    }

    private static string? InstallSnapshotResultProblem(InstallSnapshotResult r)
    {
        if (!InRange(r.LastIncludedIndex)) return $"last included index {r.LastIncludedIndex} outside 0..{MaxTermOrIndex - 1}";
        if (r.NextOffset < 0 || r.NextOffset > Array.MaxLength) return $"next offset {r.NextOffset} outside 0..{Array.MaxLength}";
        return null;
    }
}
