namespace AkkaRaft.TestKit;

// The events the search walks: calls and returns in time order, lifted out and put back as it goes.
internal sealed partial class KeySearch
{
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
}
