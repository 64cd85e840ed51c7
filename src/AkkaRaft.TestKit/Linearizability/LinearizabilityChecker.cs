using System.Diagnostics;
using System.Text;

namespace AkkaRaft.TestKit;

/// <summary>
/// Decides whether a key-value history is linearizable, in the manner of Porcupine: the history is
/// split by key (each key is an independent register, and linearizability is compositional) and each
/// key is searched on its own with <see cref="KeySearch"/>.
/// </summary>
public static class LinearizabilityChecker
{
    /// <summary>How many operations a failure description lists at most in each group.</summary>
    private const int DescribeAtMost = 8;

    /// <summary>
    /// Checks <paramref name="history"/> against the sequential key-value store, giving up with
    /// <see cref="CheckOutcome.Unknown"/> after <paramref name="timeout"/>.
    /// </summary>
    public static CheckResult Check(IReadOnlyList<HistoryOperation> history, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(history);
        var deadline = DeadlineAfter(timeout);

        foreach (var (key, ops) in PartitionByKey(history))
        {
            if (Stopwatch.GetTimestamp() >= deadline)
                return new CheckResult(CheckOutcome.Unknown, $"timed out after {timeout} before key {KvInput.Quote(key)}");
            if (IsSequentialAndLegal(ops))
                continue;
            var result = KeySearch.Run(ops, deadline);
            switch (result.Outcome)
            {
                case CheckOutcome.Illegal:
                    return new CheckResult(CheckOutcome.Illegal, DescribeFailure(key, ops, result.LongestOrder));
                case CheckOutcome.Unknown:
                    return new CheckResult(CheckOutcome.Unknown,
                        $"timed out after {timeout} on key {KvInput.Quote(key)} ({ops.Count} operations)");
            }
        }

        return CheckResult.Ok;
    }

    /// <summary>
    /// The operations of each key, in history order. A Get with unknown outcome observed nothing the
    /// client can rely on, so it is dropped rather than searched.
    /// </summary>
    internal static IEnumerable<(string Key, List<HistoryOperation> Ops)> PartitionByKey(IReadOnlyList<HistoryOperation> history)
    {
        var byKey = new Dictionary<string, List<HistoryOperation>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var op in history)
        {
            if (op.CallTime > op.ReturnTime)
                throw new ArgumentException($"operation returns before it is called: {op}", nameof(history));
            if (op.OutcomeUnknown && op.Input.Kind == KvOpKind.Get)
                continue;
            if (!byKey.TryGetValue(op.Input.Key, out var ops))
            {
                byKey[op.Input.Key] = ops = new List<HistoryOperation>();
                order.Add(op.Input.Key);
            }

            ops.Add(op);
        }

        return order.Select(k => (k, byKey[k]));
    }

    /// <summary>
    /// The common case of one client per key: when no two operations of the key overlap in time and every outcome is
    /// known, real time orders them totally, so that order is the only candidate and replaying it decides. True when
    /// the replay succeeds; otherwise (overlap, unknown outcome, or a wrong read) the full search decides, and on a
    /// wrong read it also describes the failure. The search itself would keep every intermediate value in its cache,
    /// which for long runs of appends costs memory quadratic in the history.
    /// </summary>
    internal static bool IsSequentialAndLegal(IReadOnlyList<HistoryOperation> ops)
    {
        var ordered = new HistoryOperation[ops.Count];
        for (var i = 0; i < ops.Count; i++)
        {
            if (ops[i].OutcomeUnknown)
                return false;
            ordered[i] = ops[i];
        }

        Array.Sort(ordered, (a, b) => a.CallTime.CompareTo(b.CallTime));
        for (var i = 1; i < ordered.Length; i++)
        {
            // Equal times count as concurrent, as in the search.
            if (ordered[i].CallTime <= ordered[i - 1].ReturnTime)
                return false;
        }

        var value = new StringBuilder();
        foreach (var op in ordered)
        {
            switch (op.Input.Kind)
            {
                case KvOpKind.Get:
                    if (!value.Equals((op.Output ?? "").AsSpan()))
                        return false;
                    break;
                case KvOpKind.Put:
                    value.Clear().Append(op.Input.Value);
                    break;
                case KvOpKind.Append:
                    value.Append(op.Input.Value);
                    break;
            }
        }

        return true;
    }

    private static long DeadlineAfter(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "must not be negative");
        var ticks = timeout.TotalSeconds * Stopwatch.Frequency;
        var now = Stopwatch.GetTimestamp();
        return ticks >= long.MaxValue - now ? long.MaxValue : now + (long)ticks;
    }

    /// <summary>
    /// Says why a key failed: how far the longest real-time-consistent order got, the state it left,
    /// and the operations that could have come next but none of which the model accepts there.
    /// </summary>
    private static string DescribeFailure(string key, IReadOnlyList<HistoryOperation> ops, IReadOnlyList<int> longest)
    {
        var placed = new bool[ops.Count];
        var state = KvModel.Initial;
        foreach (var i in longest)
        {
            placed[i] = true;
            KvModel.Step(state, ops[i], out state);
        }

        // The next operation must be one called before the earliest return among those not yet placed.
        var earliestReturn = long.MaxValue;
        for (var i = 0; i < ops.Count; i++)
            if (!placed[i])
                earliestReturn = Math.Min(earliestReturn, ops[i].ReturnTime);
        var candidates = Enumerable.Range(0, ops.Count)
            .Where(i => !placed[i] && ops[i].CallTime <= earliestReturn)
            .Select(i => ops[i])
            .ToList();

        var known = ops.Count(o => !o.OutcomeUnknown);
        var placedKnown = longest.Count(i => !ops[i].OutcomeUnknown);
        var sb = new StringBuilder();
        sb.Append($"key {KvInput.Quote(key)} is not linearizable: the longest order consistent with real time places ")
          .Append($"{placedKnown} of its {known} completed operations, leaving the value {KvInput.Quote(state.Value)}.");
        if (longest.Count > 0)
        {
            sb.AppendLine().Append("  that order ends with:");
            foreach (var i in longest.Skip(Math.Max(0, longest.Count - DescribeAtMost)))
                sb.AppendLine().Append("    ").Append(ops[i]);
        }

        sb.AppendLine().Append("  none of these can come next:");
        foreach (var op in candidates.Take(DescribeAtMost))
            sb.AppendLine().Append("    ").Append(op);
        if (candidates.Count > DescribeAtMost)
            sb.AppendLine().Append($"    ... and {candidates.Count - DescribeAtMost} more");
        return sb.ToString();
    }
}
