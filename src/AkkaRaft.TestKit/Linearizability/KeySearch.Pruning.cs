namespace AkkaRaft.TestKit;

// How the search narrows its choices: which writes to try first, and when a configuration is hopeless.
internal sealed partial class KeySearch
{
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
}
