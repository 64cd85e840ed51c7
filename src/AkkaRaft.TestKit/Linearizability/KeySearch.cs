using System.Diagnostics;

namespace AkkaRaft.TestKit;

/// <summary>
/// The search for one key: Wing &amp; Gong's backtracking over call and return events, pruned with
/// Lowe's memoization of (set of operations linearized, model state), as Porcupine does it.
/// </summary>
/// <remarks>
/// <para>The known-outcome operations form a doubly linked list of events in time order. Walking from
/// the head, every call met before the first return belongs to an operation that may be linearized
/// next (its call precedes the earliest return of the operations still pending). Linearizing one
/// "lifts" its call and return out of the list; backtracking puts them back in place.</para>
/// <para>An operation with unknown outcome has no return event, so it sits in a second list of calls
/// only: it may be linearized once its call precedes the earliest pending return, and it need not be
/// linearized at all, so the search succeeds as soon as every known-outcome operation is placed.</para>
/// <para>Beyond Porcupine: the writes that may come next are tried in a guessed order (see
/// <see cref="OrderedWrites"/>); a configuration where some Get's value is out of reach is abandoned
/// at once (see <see cref="SomeReadIsUnreachable"/>); and a Get the model accepts now is linearized at
/// once without branching, because a Get changes no state and, being callable now, may be moved to the
/// front of any completion without disturbing any other operation's state or real-time order. For the
/// same reason, if that Get leads to a configuration already explored, the current one is a dead end.</para>
/// </remarks>
internal sealed partial class KeySearch
{
    /// <summary>How many steps run between two looks at the clock.</summary>
    private const int ClockCheckInterval = 1024;

    private readonly IReadOnlyList<HistoryOperation> _ops;
    private readonly long _deadline;
    private readonly ulong[] _zobrist;
    private readonly List<HistoryOperation> _pendingReads = new();
    private readonly List<HistoryOperation> _laterWrites = new();
    private readonly Event _head = new() { Op = -1, Time = long.MinValue, IsCall = false, IsUnknown = false };
    private readonly Event _unknownHead = new() { Op = -1, Time = long.MinValue, IsCall = false, IsUnknown = true };

    private KeySearch(IReadOnlyList<HistoryOperation> ops, long deadline)
    {
        _ops = ops;
        _deadline = deadline;
        _zobrist = new ulong[ops.Count];
        var seed = 0x9E3779B97F4A7C15UL;
        for (var i = 0; i < _zobrist.Length; i++)
            _zobrist[i] = SplitMix64(ref seed);
        BuildEventLists();
    }

    /// <summary>The verdict for one key, and the longest order found (indices into the key's operations).</summary>
    internal sealed record Result(CheckOutcome Outcome, IReadOnlyList<int> LongestOrder);

    /// <summary>Searches for a linearization of <paramref name="ops"/>, all on one key, before the Stopwatch timestamp <paramref name="deadline"/>.</summary>
    public static Result Run(IReadOnlyList<HistoryOperation> ops, long deadline) => new KeySearch(ops, deadline).Search();

    /// <summary>One choice on the current path: the call linearized, the state before it, and the alternatives.</summary>
    /// <param name="Call">The call linearized.</param>
    /// <param name="StateBefore">The model state before it, restored on backtracking.</param>
    /// <param name="Candidates">The candidates in the order tried, <paramref name="Index"/> being this choice's;
    /// null for a greedy Get, which had no alternative, so backtracking passes straight through it.</param>
    /// <param name="Index">This choice's place in <paramref name="Candidates"/>.</param>
    private readonly record struct Choice(Event Call, KvState StateBefore, Event[]? Candidates, int Index);

    private Result Search()
    {
        var remainingKnown = _ops.Count(o => !o.OutcomeUnknown);
        var linearized = new ulong[(_ops.Count + 63) / 64];
        ulong linearizedHash = 0;
        var state = KvModel.Initial;
        var cache = new HashSet<CacheKey>(CacheKeyComparer.Instance);
        var path = new List<Choice>();
        var longest = Array.Empty<int>();
        var steps = 0;

        // Linearizes call next if the model accepts it there and the result was not explored before.
        bool TryPush(Event call, Event[]? candidates, int index)
        {
            var op = call.Op;
            if (!KvModel.Step(state, _ops[op], out var next))
                return false;
            SetBit(linearized, op);
            var hash = linearizedHash ^ _zobrist[op];
            // Probe with the live bitset; copy it only when the pair is new and must be kept.
            if (cache.Contains(new CacheKey(linearized, hash, next)))
            {
                ClearBit(linearized, op);
                return false;
            }

            cache.Add(new CacheKey((ulong[])linearized.Clone(), hash, next));
            path.Add(new Choice(call, state, candidates, index));
            state = next;
            linearizedHash = hash;
            if (!_ops[op].OutcomeUnknown)
                remainingKnown--;
            Lift(call);
            return true;
        }

        // The candidates of the configuration we are in and the next one to try; null when entering it afresh.
        Event[]? candidates = null;
        var index = 0;
        while (true)
        {
            if (++steps % ClockCheckInterval == 0 && Stopwatch.GetTimestamp() >= _deadline)
                return new Result(CheckOutcome.Unknown, longest);

            if (candidates is null)
            {
                if (remainingKnown == 0)
                    return new Result(CheckOutcome.Ok, path.Select(c => c.Call.Op).ToArray());

                var acceptedRead = AcceptedRead(state);
                if (acceptedRead is not null)
                {
                    if (TryPush(acceptedRead, null, 0))
                        continue;
                    // Explored before through this very Get: a dead end, so fall through to undo.
                    candidates = Array.Empty<Event>();
                }
                else if (SomeReadIsUnreachable(state))
                {
                    candidates = Array.Empty<Event>();
                }
                else
                {
                    candidates = OrderedWrites(state);
                }

                index = 0;
            }

            while (index < candidates.Length && !TryPush(candidates[index], candidates, index))
                index++;

            if (index < candidates.Length)
            {
                candidates = null;
                continue;
            }

            // Every candidate failed here: undo choices up to the most recent one with alternatives left.
            if (path.Count > longest.Length)
                longest = path.Select(c => c.Call.Op).ToArray();
            while (true)
            {
                if (path.Count == 0)
                    return new Result(CheckOutcome.Illegal, longest);
                var choice = path[^1];
                path.RemoveAt(path.Count - 1);
                state = choice.StateBefore;
                ClearBit(linearized, choice.Call.Op);
                linearizedHash ^= _zobrist[choice.Call.Op];
                if (!_ops[choice.Call.Op].OutcomeUnknown)
                    remainingKnown++;
                Unlift(choice.Call);
                if (choice.Candidates is { } alternatives && choice.Index + 1 < alternatives.Length)
                {
                    candidates = alternatives;
                    index = choice.Index + 1;
                    break;
                }
            }
        }
    }

    /// <summary>A pending Get, callable now, that reads <paramref name="state"/>; null if none.</summary>
    private Event? AcceptedRead(KvState state)
    {
        for (var e = _head.Next; e is { IsCall: true }; e = e.Next)
        {
            if (_ops[e.Op].Input.Kind == KvOpKind.Get && KvModel.Step(state, _ops[e.Op], out _))
                return e;
        }

        return null;
    }
}
