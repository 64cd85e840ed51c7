namespace AkkaRaft.Actors.Core;

/// <summary>
/// A leader's read lease (Raft thesis §6.4.1). Every AppendEntries carries the latest heartbeat round, and a follower
/// echoes the round of each message it answers; so an echo of round r proves the follower heard this leader at or after
/// the moment round r started. Such a follower, with check-quorum on, refuses to help elect anyone else for
/// election-timeout-min on its own clock. Once a majority, the leader included, echoed rounds that started at or after
/// t, no other leader can be elected before t + election-timeout-min; the lease ends <c>drift</c> earlier, to allow for
/// clocks that run at different rates. Pure bookkeeping on the leader's monotonic clock.
/// </summary>
internal sealed class ReadLease
{
    private readonly TimeSpan _length;

    /// <summary>When each round from <see cref="_firstRound"/> on started; rounds too old to extend a lease are dropped.</summary>
    private readonly List<TimeSpan> _starts = new();
    private long _firstRound;

    /// <summary>Per follower: when the latest round it echoed started.</summary>
    private readonly Dictionary<string, TimeSpan> _heardSince = new(StringComparer.Ordinal);

    /// <param name="electionTimeoutMin">How long a follower that heard a leader refuses to vote for another.</param>
    /// <param name="drift">How far a follower's clock may run ahead of the leader's over that time.</param>
    public ReadLease(TimeSpan electionTimeoutMin, TimeSpan drift)
    {
        if (drift < TimeSpan.Zero || drift >= electionTimeoutMin)
            throw new ArgumentOutOfRangeException(nameof(drift), drift, "must be at least 0 and shorter than the election timeout");
        _length = electionTimeoutMin - drift;
    }

    /// <summary>Round <paramref name="round"/> starts at <paramref name="now"/>: every message sent from now on carries it.</summary>
    public void RoundStarted(long round, TimeSpan now)
    {
        if (_starts.Count == 0 || round != _firstRound + _starts.Count) // the first round of a term, or rounds skipped
        {
            _starts.Clear();
            _firstRound = round;
        }
        _starts.Add(now);
        // An echo of a round that started a lease's length ago can no longer extend the lease.
        var stale = 0;
        while (stale < _starts.Count - 1 && now - _starts[stale] >= _length) stale++;
        _starts.RemoveRange(0, stale);
        _firstRound += stale;
    }

    /// <summary><paramref name="follower"/> echoed <paramref name="round"/>, one of this term's rounds.</summary>
    public void Acknowledged(string follower, long round)
    {
        var at = round - _firstRound;
        if (at < 0 || at >= _starts.Count) return; // too old to matter, or never started
        var start = _starts[(int)at];
        if (!_heardSince.TryGetValue(follower, out var known) || start > known) _heardSince[follower] = start;
    }

    /// <summary>
    /// Whether the lease holds at <paramref name="now"/>: <paramref name="majority"/> voters, the leader counting itself,
    /// echoed rounds that started less than a lease's length ago.
    /// </summary>
    public bool Holds(IReadOnlyList<string> others, int majority, TimeSpan now)
    {
        var needed = majority - 1; // the leader
        if (needed <= 0) return true;
        var fresh = 0;
        foreach (var peer in others)
            if (_heardSince.TryGetValue(peer, out var since) && now - since < _length && ++fresh >= needed) return true;
        return false;
    }

    /// <summary>Leadership is lost or handed over: nothing heard so far may hold a lease again.</summary>
    public void Clear()
    {
        _starts.Clear();
        _heardSince.Clear();
        _firstRound = 0;
    }
}
