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
internal sealed class KeySearch
{
    /// <summary>How many steps run between two looks at the clock.</summary>
    private const int ClockCheckInterval = 1024;

    private readonly IReadOnlyList<KvOperation> _ops;
    private readonly long _deadline;
    private readonly ulong[] _zobrist;
    private readonly List<KvOperation> _pendingReads = new();
    private readonly List<KvOperation> _laterWrites = new();
    private readonly Event _head = new() { Op = -1, Time = long.MinValue, IsCall = false, IsUnknown = false };
    private readonly Event _unknownHead = new() { Op = -1, Time = long.MinValue, IsCall = false, IsUnknown = true };

    private KeySearch(IReadOnlyList<KvOperation> ops, long deadline)
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
    public static Result Run(IReadOnlyList<KvOperation> ops, long deadline) => new KeySearch(ops, deadline).Search();

    private sealed class Event
    {
        public required int Op { get; init; }
        public required long Time { get; init; }
        public required bool IsCall { get; init; }

        /// <summary>True for events of the unknown-outcome list.</summary>
        public required bool IsUnknown { get; init; }

        /// <summary>For a known-outcome call, its return event.</summary>
        public Event? Return { get; set; }

        public Event? Prev { get; set; }
        public Event? Next { get; set; }
    }

    /// <summary>One choice on the current path: the call linearized, the state before it, and the alternatives.</summary>
    /// <param name="Candidates">The candidates in the order tried, <paramref name="Index"/> being this choice's;
    /// null for a greedy Get, which had no alternative, so backtracking passes straight through it.</param>
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

    /// <summary>
    /// True if a Get still to be linearized reads a value that can no longer be produced before it
    /// returns: not the current value, nor a value built from it or from a Put still to come by
    /// appending the values of Appends still to come. Put values and appended strings cannot be
    /// undone, so once a read's value is out of reach no choice below this configuration helps, and the
    /// search backs off at once instead of first trying every order of the writes in the window.
    /// The Gets checked are those called before the latest return of an operation callable now, so a
    /// bad choice is noticed as soon as it strands a read that is about to start, not only a pending one,
    /// and the first Get called after that.
    /// </summary>
    private bool SomeReadIsUnreachable(KvState state)
    {
        var horizon = long.MinValue;
        for (var c = _head.Next; c is { IsCall: true }; c = c.Next)
            horizon = Math.Max(horizon, _ops[c.Op].ReturnTime);

        _pendingReads.Clear();
        var writeHorizon = horizon;
        var e = _head.Next;
        for (; e is not null && e.Time <= horizon; e = e.Next)
        {
            if (e.IsCall && _ops[e.Op].Input.Kind == KvOpKind.Get)
            {
                _pendingReads.Add(_ops[e.Op]);
                writeHorizon = Math.Max(writeHorizon, _ops[e.Op].ReturnTime);
            }
        }

        // Also the first Get called beyond the horizon: every read still to place comes after this configuration, so
        // the test is as sound for it, and it catches a wrong order of many concurrent writes that only a later read
        // observes (say, appends from several clients and one Get at the end) before every such order is tried.
        for (; e is not null; e = e.Next)
        {
            if (e.IsCall && _ops[e.Op].Input.Kind == KvOpKind.Get)
            {
                _pendingReads.Add(_ops[e.Op]);
                writeHorizon = Math.Max(writeHorizon, _ops[e.Op].ReturnTime);
                break;
            }
        }

        if (_pendingReads.Count == 0)
            return false;

        // Every write still to come that was called before one of those reads returned.
        _laterWrites.Clear();
        for (var w = _head.Next; w is not null && w.Time <= writeHorizon; w = w.Next)
        {
            if (w.IsCall && _ops[w.Op].Input.Kind != KvOpKind.Get)
                _laterWrites.Add(_ops[w.Op]);
        }

        for (var u = _unknownHead.Next; u is not null && u.Time <= writeHorizon; u = u.Next)
            _laterWrites.Add(_ops[u.Op]);

        foreach (var read in _pendingReads)
        {
            if (!Reachable(read.Output ?? "", state.Value, read.ReturnTime))
                return true;
        }

        return false;
    }

    /// <summary>Whether <paramref name="value"/> can be built from <paramref name="current"/> with writes called no later than <paramref name="by"/>.</summary>
    private bool Reachable(string value, string current, long by)
    {
        if (value.StartsWith(current, StringComparison.Ordinal) && AppendsCanSpell(value, current.Length, by))
            return true;

        foreach (var w in _laterWrites)
        {
            if (w.Input.Kind == KvOpKind.Put && w.CallTime <= by
                && value.StartsWith(w.Input.Value, StringComparison.Ordinal)
                && AppendsCanSpell(value, w.Input.Value.Length, by))
                return true;
        }

        return false;
    }

    /// <summary>
    /// Whether value[from..] is a concatenation of values of Appends still to come (allowing one to be
    /// used twice, which only makes the test more lenient, never wrong).
    /// </summary>
    private bool AppendsCanSpell(string value, int from, long by)
    {
        if (from == value.Length)
            return true;
        var length = value.Length - from;
        Span<bool> reached = length <= 512 ? stackalloc bool[length + 1] : new bool[length + 1];
        reached.Clear();
        reached[0] = true;
        for (var i = 0; i < length; i++)
        {
            if (!reached[i])
                continue;
            var rest = value.AsSpan(from + i);
            foreach (var w in _laterWrites)
            {
                if (w.Input.Kind == KvOpKind.Append && w.CallTime <= by && w.Input.Value.Length > 0
                    && rest.StartsWith(w.Input.Value, StringComparison.Ordinal))
                    reached[i + w.Input.Value.Length] = true;
            }
        }

        return reached[length];
    }

    /// <summary>
    /// The writes that may be linearized next: Puts and Appends called before the earliest pending
    /// return, then unknown-outcome writes called no later than it. Any order is correct; this one is a
    /// guess at the real one, which makes a linearizable history quick to confirm: first a write whose
    /// result a pending Get reads, then one whose result is a prefix of what a pending Get reads (an
    /// Append still to come may complete it), then the rest; within each group by the midpoint of the
    /// operation's interval (the expected instant it took effect), so unknown-outcome writes come last.
    /// </summary>
    private Event[] OrderedWrites(KvState state)
    {
        var pendingReads = new List<string>();
        var writes = new List<Event>();
        var e = _head.Next;
        for (; e is { IsCall: true }; e = e.Next)
        {
            if (_ops[e.Op].Input.Kind == KvOpKind.Get)
                pendingReads.Add(_ops[e.Op].Output ?? "");
            else
                writes.Add(e);
        }

        var boundary = e?.Time ?? long.MaxValue;
        for (var u = _unknownHead.Next; u is not null && u.Time <= boundary; u = u.Next)
            writes.Add(u);

        if (writes.Count <= 1)
            return writes.ToArray();

        var ranks = new (int Rank, double Midpoint, int Index)[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            KvModel.Step(state, _ops[writes[i].Op], out var next);
            var rank = 2;
            foreach (var read in pendingReads)
            {
                if (string.Equals(read, next.Value, StringComparison.Ordinal))
                {
                    rank = 0;
                    break;
                }

                if (read.StartsWith(next.Value, StringComparison.Ordinal))
                    rank = 1;
            }

            var op = _ops[writes[i].Op];
            var midpoint = op.OutcomeUnknown ? double.PositiveInfinity : op.CallTime / 2.0 + op.ReturnTime / 2.0;
            ranks[i] = (rank, midpoint, i);
        }

        var ordered = writes.ToArray();
        Array.Sort(ranks, ordered);
        return ordered;
    }

    /// <summary>
    /// Known-outcome events in time order behind <see cref="_head"/>; on equal times a call sorts before a
    /// return, so an operation invoked at the instant another returned counts as concurrent with it (the
    /// lenient choice). Unknown-outcome calls, in call order, behind <see cref="_unknownHead"/>.
    /// </summary>
    private void BuildEventLists()
    {
        var events = new List<(long Time, int Kind, int Op)>(_ops.Count * 2);
        for (var i = 0; i < _ops.Count; i++)
        {
            events.Add((_ops[i].CallTime, 0, i));
            if (!_ops[i].OutcomeUnknown)
                events.Add((_ops[i].ReturnTime, 1, i));
        }

        events.Sort();

        var calls = new Event[_ops.Count];
        var tail = _head;
        var unknownTail = _unknownHead;
        foreach (var (time, kind, op) in events)
        {
            var unknown = _ops[op].OutcomeUnknown;
            var e = new Event { Op = op, Time = time, IsCall = kind == 0, IsUnknown = unknown };
            if (unknown)
            {
                e.Prev = unknownTail;
                unknownTail.Next = e;
                unknownTail = e;
                continue;
            }

            if (e.IsCall)
                calls[op] = e;
            else
                calls[op].Return = e;
            e.Prev = tail;
            tail.Next = e;
            tail = e;
        }
    }

    private static void Lift(Event call)
    {
        Unlink(call);
        if (call.Return is { } ret)
            Unlink(ret);
    }

    /// <summary>Reverses <see cref="Lift"/>; lifts and unlifts nest like a stack, so the neighbours are still in place.</summary>
    private static void Unlift(Event call)
    {
        if (call.Return is { } ret)
            Relink(ret);
        Relink(call);
    }

    private static void Unlink(Event e)
    {
        e.Prev!.Next = e.Next;
        if (e.Next is not null)
            e.Next.Prev = e.Prev;
    }

    private static void Relink(Event e)
    {
        e.Prev!.Next = e;
        if (e.Next is not null)
            e.Next.Prev = e;
    }

    private static void SetBit(ulong[] bits, int i) => bits[i >> 6] |= 1UL << (i & 63);

    private static void ClearBit(ulong[] bits, int i) => bits[i >> 6] &= ~(1UL << (i & 63));

    private static ulong SplitMix64(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// A visited (linearized set, state) pair. The set's hash is maintained incrementally (Zobrist: one
    /// random word per operation, xored in and out), so probing costs no pass over the bitset.
    /// </summary>
    private readonly record struct CacheKey(ulong[] Bits, ulong BitsHash, KvState State);

    private sealed class CacheKeyComparer : IEqualityComparer<CacheKey>
    {
        public static readonly CacheKeyComparer Instance = new();

        public bool Equals(CacheKey a, CacheKey b) =>
            a.BitsHash == b.BitsHash && a.State.Equals(b.State) && a.Bits.AsSpan().SequenceEqual(b.Bits);

        public int GetHashCode(CacheKey k) => HashCode.Combine(k.BitsHash, k.State.Hash);
    }
}
