namespace AkkaRaft.Actors.Core;

/// <summary>A ReadIndex request the leader holds until its leadership is confirmed and its read point applied.</summary>
/// <param name="RequestId">The requester's id for it.</param>
/// <param name="ReplyTo">The requester.</param>
/// <param name="Index">The read point: the commit index when the read was admitted (0 until known).</param>
/// <param name="Round">The heartbeat round that must be acknowledged by a majority (0 until assigned).</param>
/// <param name="AdmittedAt">When it was admitted, for the ReadIndex duration metric (0: not timed).</param>
internal sealed record PendingRead<T>(long RequestId, T ReplyTo, long Index, long Round, long AdmittedAt = 0);

/// <summary>
/// A leader's ReadIndex reads (Raft thesis §6.4), from admission to release. A read waits, in turn, for an entry of the
/// leader's term to commit (until then its commit index may lag what earlier leaders committed), for a heartbeat round
/// started after the read point was fixed, for a majority to acknowledge that round (proof that it still leads), and
/// for the state machine to apply the read point. Reads that arrive together share one round. Pure bookkeeping: the
/// leader sends the rounds and serves what <see cref="Release"/> returns.
/// </summary>
/// <typeparam name="T">Who asked, to answer later.</typeparam>
internal sealed class ReadRounds<T>
{
    /// <summary>Per follower, the highest round it has echoed in this term.</summary>
    private readonly Dictionary<string, long> _acked = new(StringComparer.Ordinal);

    private readonly List<PendingRead<T>> _awaitingTermCommit = new();
    private readonly List<PendingRead<T>> _awaitingRound = new();
    private readonly List<PendingRead<T>> _inFlight = new();

    /// <summary>The latest round; every AppendEntries carries it and followers echo it back.</summary>
    public long Round { get; private set; }

    /// <summary>True when reads wait for the next round to start.</summary>
    public bool NeedsRound => _awaitingRound.Count > 0;

    /// <summary>
    /// Admits a read. With an entry of this term committed, its read point is <paramref name="commitIndex"/> and it
    /// waits for the next round; otherwise it waits for such an entry first (see <see cref="TermCommitted"/>).
    /// </summary>
    public void Admit(long requestId, T replyTo, bool termCommitted, long commitIndex, long admittedAt = 0)
    {
        if (termCommitted) _awaitingRound.Add(new PendingRead<T>(requestId, replyTo, commitIndex, 0, admittedAt));
        else _awaitingTermCommit.Add(new PendingRead<T>(requestId, replyTo, 0, 0, admittedAt));
    }

    /// <summary>An entry of this term committed, up to <paramref name="commitIndex"/>: the reads waiting for it get that read point. True when any did.</summary>
    public bool TermCommitted(long commitIndex)
    {
        if (_awaitingTermCommit.Count == 0) return false;
        foreach (var read in _awaitingTermCommit) _awaitingRound.Add(read with { Index = commitIndex });
        _awaitingTermCommit.Clear();
        return true;
    }

    /// <summary>
    /// Starts a round for the reads waiting for one, or, when <paramref name="always"/>, even with none (a heartbeat round
    /// that renews a read lease). True when a round started (it must go to every follower).
    /// </summary>
    public bool StartRound(bool always = false)
    {
        if (_awaitingRound.Count == 0 && !always) return false;
        Round++;
        foreach (var read in _awaitingRound) _inFlight.Add(read with { Round = Round });
        _awaitingRound.Clear();
        return true;
    }

    /// <summary>
    /// <paramref name="follower"/> echoed <paramref name="round"/>: it still recognised this leader then. True when that
    /// is news. A round not yet started proves nothing (a faulty peer's answer) and is ignored.
    /// </summary>
    public bool Acknowledged(string follower, long round)
    {
        if (round > Round || round <= (_acked.TryGetValue(follower, out var acked) ? acked : 0)) return false;
        _acked[follower] = round;
        return true;
    }

    /// <summary>
    /// Removes and returns, in order, every read whose round <paramref name="majority"/> voters acknowledged (the
    /// leader counting itself, and each of <paramref name="others"/> that echoed it) and whose read point is applied.
    /// </summary>
    public IReadOnlyList<PendingRead<T>> Release(IReadOnlyList<string> others, int majority, long lastApplied)
    {
        var served = 0;
        foreach (var read in _inFlight)
        {
            var confirmations = 1;
            foreach (var peer in others)
                if (_acked.TryGetValue(peer, out var r) && r >= read.Round) confirmations++;
            if (confirmations < majority || read.Index > lastApplied) break; // later reads have later rounds
            served++;
        }
        if (served == 0) return Array.Empty<PendingRead<T>>();
        var released = _inFlight.GetRange(0, served);
        _inFlight.RemoveRange(0, served);
        return released;
    }

    /// <summary>Forgets every pending read and acknowledgement (leadership is lost) and returns the reads, to refuse.</summary>
    public IReadOnlyList<PendingRead<T>> Clear()
    {
        var all = _awaitingTermCommit.Concat(_awaitingRound).Concat(_inFlight).ToList();
        _awaitingTermCommit.Clear();
        _awaitingRound.Clear();
        _inFlight.Clear();
        _acked.Clear();
        return all;
    }
}
