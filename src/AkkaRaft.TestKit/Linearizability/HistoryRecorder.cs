using System.Diagnostics;

namespace AkkaRaft.TestKit;

/// <summary>An operation begun with <see cref="HistoryRecorder.Begin"/> and not yet ended.</summary>
/// <param name="Index">The operation's place in the history.</param>
public readonly record struct PendingOperation(int Index);

/// <summary>
/// Collects a history from concurrent clients. Call <see cref="Begin"/> just before sending a request
/// and <see cref="End"/> (or <see cref="TimedOut"/>) just after the answer (or after giving up), so the
/// recorded interval contains the moment the store really executed it.
/// </summary>
public sealed class HistoryRecorder
{
    private readonly object _gate = new();
    private readonly List<Slot> _slots = new();
    private readonly Func<long> _clock;

    /// <summary>A recorder timed by <see cref="Stopwatch.GetTimestamp"/>, which is monotonic across threads.</summary>
    public HistoryRecorder() : this(Stopwatch.GetTimestamp)
    {
    }

    /// <summary>A recorder timed by <paramref name="clock"/>, which must never run backwards.</summary>
    public HistoryRecorder(Func<long> clock) => _clock = clock;

    private sealed class Slot(int clientId, KvInput input, long callTime)
    {
        public int ClientId { get; } = clientId;
        public KvInput Input { get; } = input;
        public long CallTime { get; } = callTime;
        public bool Finished { get; set; }
        public string? Output { get; set; }
        public long ReturnTime { get; set; } = HistoryOperation.NeverReturned;
    }

    /// <summary>Records that client <paramref name="clientId"/> is about to send <paramref name="input"/>; pass the result to <see cref="End"/> or <see cref="TimedOut"/>.</summary>
    public PendingOperation Begin(int clientId, KvInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var now = _clock();
        lock (_gate)
        {
            _slots.Add(new Slot(clientId, input, now));
            return new PendingOperation(_slots.Count - 1);
        }
    }

    /// <summary>Records the answer: for a Get, the value read ("" for a missing key).</summary>
    public void End(PendingOperation pending, string? output)
    {
        var now = _clock();
        lock (_gate)
        {
            var slot = Open(pending);
            slot.Output = output;
            slot.ReturnTime = now;
        }
    }

    /// <summary>Records that the client gave up: the operation may or may not have taken effect.</summary>
    public void TimedOut(PendingOperation pending)
    {
        lock (_gate)
            Open(pending);
    }

    /// <summary>
    /// A snapshot of the history so far. An operation still in flight is reported with unknown outcome,
    /// since it may already have taken effect.
    /// </summary>
    public IReadOnlyList<HistoryOperation> History
    {
        get
        {
            lock (_gate)
                return _slots.Select(s => new HistoryOperation(s.ClientId, s.Input, s.Output, s.CallTime, s.ReturnTime)).ToList();
        }
    }

    private Slot Open(PendingOperation pending)
    {
        if (pending.Index < 0 || pending.Index >= _slots.Count)
            throw new ArgumentException("not an operation begun on this recorder", nameof(pending));
        var slot = _slots[pending.Index];
        if (slot.Finished)
            throw new InvalidOperationException($"operation already ended: {slot.Input} by client {slot.ClientId}");
        slot.Finished = true;
        return slot;
    }
}
