using System.Globalization;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;

namespace AkkaRaft.Tests.Properties;

/// <summary>What a generated number is measured from, read from the peer's <see cref="RaftState"/> as the step runs.</summary>
internal enum Anchor
{
    /// <summary>An absolute value.</summary>
    Zero,

    /// <summary>The peer's current term.</summary>
    Term,

    /// <summary>The term of the message being built (entry terms, the previous log term).</summary>
    MessageTerm,

    /// <summary>The peer's last log index.</summary>
    Last,

    /// <summary>The peer's commit index.</summary>
    Commit,

    /// <summary>The last index of the peer's snapshot.</summary>
    Snapshot,
}

/// <summary>
/// A number of a generated message, relative to the peer's state when it is sent (so random traffic meets real terms
/// and indexes: "term+0" is the peer's own term, "last+1" one past its log), or absolute ("max", "-1", "1000000").
/// Sums saturate instead of wrapping: the test never makes an overflow of its own.
/// </summary>
internal readonly record struct Num(Anchor Anchor, long Offset)
{
    public static Num Of(long value) => new(Anchor.Zero, value);

    public long Resolve(RaftState state, long messageTerm)
    {
        var origin = Anchor switch
        {
            Anchor.Zero => 0,
            Anchor.Term => state.Term,
            Anchor.MessageTerm => messageTerm,
            Anchor.Last => state.LastLogIndex,
            Anchor.Commit => state.CommitIndex,
            _ => state.SnapshotIndex,
        };
        return SaturatingAdd(origin, Offset);
    }

    private static long SaturatingAdd(long a, long b)
    {
        var sum = unchecked(a + b);
        // Overflow happened when both operands have the sign the sum lacks.
        if (((a ^ sum) & (b ^ sum)) < 0) return a < 0 ? long.MinValue : long.MaxValue;
        return sum;
    }

    public override string ToString()
    {
        if (Anchor == Anchor.Zero)
        {
            return Offset switch
            {
                long.MaxValue => "max",
                long.MaxValue - 1 => "max-1",
                long.MinValue => "min",
                _ => Offset.ToString(CultureInfo.InvariantCulture),
            };
        }
        var name = Anchor switch
        {
            Anchor.Term => "term",
            Anchor.MessageTerm => "mterm",
            Anchor.Last => "last",
            Anchor.Commit => "commit",
            _ => "snap",
        };
        return Offset == 0 ? name : name + Offset.ToString("+0;-0", CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// One generated step of traffic: a Raft message from another member, with numbers resolved against the peer's
/// last reported state, or a tick of virtual time, or a client proposal.
/// </summary>
internal abstract record WireStep;

/// <summary>A Raft message from member <see cref="From"/> whose term is <see cref="Term"/>.</summary>
internal abstract record MessageStep(string From, Num Term) : WireStep
{
    public IRaftMessage Resolve(string clusterId, RaftState state)
    {
        var term = Term.Resolve(state, 0);
        return Build(clusterId, term, n => n.Resolve(state, term));
    }

    protected abstract IRaftMessage Build(string clusterId, long term, Func<Num, long> value);
}

internal sealed record VoteStep(string From, Num Term, Num LastLogIndex, Num LastLogTerm) : MessageStep(From, Term)
{
    protected override IRaftMessage Build(string clusterId, long term, Func<Num, long> value) =>
        new RequestVote(clusterId, From, term, value(LastLogIndex), value(LastLogTerm));

    public override string ToString() => $"RequestVote({From}, {Term}, last {LastLogIndex}@{LastLogTerm})";
}

internal sealed record VoteResultStep(string From, Num Term, bool Granted) : MessageStep(From, Term)
{
    protected override IRaftMessage Build(string clusterId, long term, Func<Num, long> value) =>
        new RequestVoteResult(clusterId, From, term, Granted);

    public override string ToString() => $"RequestVoteResult({From}, {Term}, {(Granted ? "granted" : "refused")})";
}

/// <summary>
/// The entries of a generated AppendEntries: either contiguous from PrevLogIndex + 1 with the given terms, or at
/// arbitrary indexes (which may overlap, leave gaps or start anywhere).
/// </summary>
internal sealed record EntriesSpec(bool Contiguous, Num[] Indexes, Num[] Terms)
{
    public LogEntry[] Resolve(long prevLogIndex, Func<Num, long> value) =>
        Terms.Select((t, i) =>
        {
            var index = Contiguous ? prevLogIndex + 1 + i : value(Indexes[i]);
            return new LogEntry(index, value(t), BitConverter.GetBytes(index));
        }).ToArray();

    public override string ToString() =>
        Terms.Length == 0 ? "[]" : Contiguous
            ? $"[{string.Join(", ", Terms)}]"
            : $"[{string.Join(", ", Indexes.Zip(Terms, (i, t) => $"{i}@{t}"))} (any order)]";
}

internal sealed record AppendStep(string From, Num Term, Num PrevLogIndex, Num PrevLogTerm, EntriesSpec Entries, Num LeaderCommit, bool AnswerSuccess)
    : MessageStep(From, Term)
{
    protected override IRaftMessage Build(string clusterId, long term, Func<Num, long> value)
    {
        var prev = value(PrevLogIndex);
        return new AppendEntries(clusterId, From, term, prev, value(PrevLogTerm), Entries.Resolve(prev, value), value(LeaderCommit)) { AnswerSuccess = AnswerSuccess };
    }

    public override string ToString() =>
        $"AppendEntries({From}, {Term}, prev {PrevLogIndex}@{PrevLogTerm}, {Entries}, commit {LeaderCommit}{(AnswerSuccess ? "" : ", quiet")})";
}

internal sealed record AppendResultStep(string From, Num Term, bool Success, Num MatchIndex, Num RejectedPrevLogIndex, Num ConflictTerm, Num ConflictIndex)
    : MessageStep(From, Term)
{
    protected override IRaftMessage Build(string clusterId, long term, Func<Num, long> value) =>
        new AppendEntriesResult(clusterId, From, term, Success, value(MatchIndex), value(RejectedPrevLogIndex), value(ConflictTerm), value(ConflictIndex));

    public override string ToString() => Success
        ? $"AppendEntriesResult({From}, {Term}, success, match {MatchIndex})"
        : $"AppendEntriesResult({From}, {Term}, refused prev {RejectedPrevLogIndex}, conflict {ConflictIndex}@{ConflictTerm}, match {MatchIndex})";
}

internal sealed record SnapshotStep(string From, Num Term, Num LastIncludedIndex, Num LastIncludedTerm, Num Offset, int DataLength, bool Done)
    : MessageStep(From, Term)
{
    protected override IRaftMessage Build(string clusterId, long term, Func<Num, long> value) =>
        new InstallSnapshot(clusterId, From, term, value(LastIncludedIndex), value(LastIncludedTerm), value(Offset),
            Enumerable.Range(1, DataLength).Select(b => (byte)b).ToArray(), Done);

    public override string ToString() =>
        $"InstallSnapshot({From}, {Term}, up to {LastIncludedIndex}@{LastIncludedTerm}, offset {Offset}, {DataLength} bytes{(Done ? ", done" : "")})";
}

internal sealed record SnapshotResultStep(string From, Num Term, Num LastIncludedIndex, Num NextOffset, bool Installed) : MessageStep(From, Term)
{
    protected override IRaftMessage Build(string clusterId, long term, Func<Num, long> value) =>
        new InstallSnapshotResult(clusterId, From, term, value(LastIncludedIndex), value(NextOffset), Installed);

    public override string ToString() =>
        $"InstallSnapshotResult({From}, {Term}, up to {LastIncludedIndex}, next offset {NextOffset}{(Installed ? ", installed" : "")})";
}

/// <summary>Virtual time passes: a heartbeat interval, or a whole election timeout.</summary>
internal sealed record TimeStep(bool ElectionTimeout) : WireStep
{
    public override string ToString() => ElectionTimeout ? "Advance(election timeout)" : "Advance(heartbeat interval)";
}

/// <summary>A client proposes a command (a leader appends it; any other role refuses).</summary>
internal sealed record ProposeStep(byte Command) : WireStep
{
    public override string ToString() => $"Propose({Command})";
}
