using CsCheck;

namespace AkkaRaft.Tests.Properties;

/// <summary>
/// Generators of well-typed but arbitrary Raft traffic from the other members "n2" and "n3". Numbers are mostly near
/// the peer's own terms and indexes, so answers meet real state, with a steady share of the values a bound check has
/// to stop: long.MaxValue and its neighbour, 0, negatives, long.MinValue, indexes far beyond the log, random longs.
/// </summary>
internal static class WireTraffic
{
    private static readonly Gen<string> Member = Gen.OneOf("n2", "n3");

    private static Gen<Num> Near(Anchor anchor, int lowest, int highest) => Gen.Int[lowest, highest].Select(o => new Num(anchor, o));

    private static Gen<Num> OneOf(params long[] values) => Gen.OneOf(values.Select(Num.Of).ToArray());

    private static readonly Gen<Num> AnyLong = Gen.Long.Select(Num.Of);

    /// <summary>Terms that cannot be incremented, or that no sender may hold.</summary>
    private static Gen<Num> ExtremeTerms(bool nearMax) => nearMax
        ? OneOf(long.MaxValue, long.MaxValue - 1, 0, -1, long.MinValue)
        : OneOf(long.MaxValue, 0, -1, long.MinValue);

    /// <summary>
    /// A message's term: mostly the peer's own (so the message is handled by its role), sometimes stale, sometimes
    /// newer, sometimes extreme. <paramref name="nearMax"/> adds long.MaxValue - 1, a term that can be incremented once.
    /// </summary>
    public static Gen<Num> Term(bool nearMax) => Gen.Frequency(
        (70, Near(Anchor.Term, 0, 0)),
        (10, Near(Anchor.Term, -3, -1)),
        (8, Near(Anchor.Term, 1, 2)),
        (3, ExtremeTerms(nearMax)),
        (2, AnyLong));

    /// <summary>A term carried inside a message (a log term), near the message's own term.</summary>
    private static Gen<Num> LogTerm(bool nearMax) => Gen.Frequency(
        (60, Near(Anchor.MessageTerm, -2, 0)),
        (15, Near(Anchor.Zero, 0, 3)),
        (5, Near(Anchor.MessageTerm, 1, 2)),
        (4, ExtremeTerms(nearMax)),
        (2, AnyLong));

    /// <summary>A log index: around the end of the log, the commit index or the snapshot, or far outside the log.</summary>
    private static readonly Gen<Num> Index = Gen.Frequency(
        (40, Near(Anchor.Last, -3, 1)),
        (20, Near(Anchor.Commit, -2, 2)),
        (10, Near(Anchor.Snapshot, -1, 1)),
        (10, Near(Anchor.Zero, 0, 3)),
        (8, OneOf(-1, 1_000_000, long.MaxValue, long.MinValue)),
        (4, AnyLong));

    /// <summary>A byte offset into a snapshot: small, negative, past any chunk, or huge.</summary>
    private static readonly Gen<Num> Offset = Gen.Frequency(
        (60, Near(Anchor.Zero, 0, 16)),
        (10, Near(Anchor.Zero, -3, -1)),
        (10, OneOf(int.MaxValue, int.MaxValue + 1L, long.MaxValue, long.MinValue)),
        (5, AnyLong));

    private static Gen<EntriesSpec> Entries(bool nearMax) =>
        from contiguous in Gen.Frequency((3, Gen.Const(true)), (1, Gen.Const(false)))
        from count in Gen.Int[0, 4]
        from indexes in Index.Array[count]
        from terms in LogTerm(nearMax).Array[count]
        select new EntriesSpec(contiguous, indexes, terms);

    /// <summary>One step: a Raft message of any of the six kinds, a tick of virtual time (when <paramref name="withTime"/>), or a proposal.</summary>
    public static Gen<WireStep> Step(bool nearMax, bool withTime)
    {
        var term = Term(nearMax);
        var logTerm = LogTerm(nearMax);
        var vote = Gen.Select(Member, term, Index, logTerm, (f, t, i, lt) => (WireStep)new VoteStep(f, t, i, lt));
        var voteResult = Gen.Select(Member, term, Gen.Bool, (f, t, g) => (WireStep)new VoteResultStep(f, t, g));
        var append = Gen.Select(Member, term, Index, logTerm, Entries(nearMax), Index, Gen.Frequency((9, Gen.Const(true)), (1, Gen.Const(false))),
            (f, t, p, pt, e, c, a) => (WireStep)new AppendStep(f, t, p, pt, e, c, a));
        var appendResult = Gen.Select(Member, term, Gen.Bool, Index, Index, logTerm, Index,
            (f, t, s, m, r, ct, ci) => (WireStep)new AppendResultStep(f, t, s, m, r, ct, ci));
        var snapshot = Gen.Select(Member, term, Index, logTerm, Offset, Gen.Int[0, 8], Gen.Bool,
            (f, t, i, lt, o, n, d) => (WireStep)new SnapshotStep(f, t, i, lt, o, n, d));
        var snapshotResult = Gen.Select(Member, term, Index, Offset, Gen.Bool, (f, t, i, o, d) => (WireStep)new SnapshotResultStep(f, t, i, o, d));
        var time = Gen.Frequency((4, Gen.Const(false)), (1, Gen.Const(true))).Select(e => (WireStep)new TimeStep(e));
        var propose = Gen.Byte.Select(b => (WireStep)new ProposeStep(b));
        return Gen.Frequency(
            (14, vote), (10, voteResult), (22, append), (22, appendResult), (9, snapshot), (9, snapshotResult),
            (withTime ? 6 : 0, time), (4, propose));
    }

    /// <summary>A sequence of between 1 and <paramref name="maxSteps"/> steps.</summary>
    public static Gen<WireStep[]> Steps(int maxSteps, bool nearMax, bool withTime) => Step(nearMax, withTime).Array[1, maxSteps];

    /// <summary>CsCheck's rendering of a failing sample: one step a line.</summary>
    public static string Print(WireStep[] steps) => Environment.NewLine + string.Join(Environment.NewLine, steps.Select((s, i) => $"  {i + 1}. {s}"));
}
