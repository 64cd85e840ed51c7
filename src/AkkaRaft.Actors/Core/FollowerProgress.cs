namespace AkkaRaft.Actors.Core;

/// <summary>How the leader is currently talking to one follower.</summary>
internal enum ReplicationMode
{
    /// <summary>Where the follower's log matches is unknown: one AppendEntries at a time, until one succeeds.</summary>
    Probe,

    /// <summary>The follower matched: batches are pipelined, up to the in-flight limit.</summary>
    Replicate,

    /// <summary>The follower needs entries the leader has compacted: its snapshot is sent, one chunk at a time.</summary>
    Snapshot,
}

/// <summary>
/// The leader's bookkeeping for one follower (Figure 2's nextIndex and matchIndex, plus the in-flight window).
/// Pure data: the actor decides when to send, this decides what the answers mean.
/// </summary>
internal sealed class FollowerProgress
{
    private readonly Queue<long> _inflight = new();
    private readonly int _maxInflight;

    public FollowerProgress(long nextIndex, int maxInflight)
    {
        Next = Math.Max(1, nextIndex);
        _maxInflight = maxInflight;
    }

    /// <summary>Index of the next entry to send.</summary>
    public long Next { get; private set; }

    /// <summary>Highest index known to be replicated on the follower.</summary>
    public long Match { get; private set; }

    /// <summary>Whether the follower answered in this leader's term since the last quorum check (<see cref="QuorumActivity"/>).</summary>
    public bool RecentActive { get; set; }

    /// <summary>When the leader last heard from this follower in its term, on the peer's monotonic clock; null: not yet.</summary>
    public TimeSpan? LastHeard { get; set; }

    public ReplicationMode Mode { get; private set; } = ReplicationMode.Probe;

    /// <summary>The commit index last sent to this follower.</summary>
    public long SentCommit { get; set; }

    /// <summary>In probe mode: a probe is out and unanswered (cleared by each heartbeat tick, so a lost one is resent).</summary>
    public bool ProbeOutstanding { get; private set; }

    public int Inflight => _inflight.Count;

    /// <summary>An AppendEntries with entries (a probe, or pipelined appends) is out and unanswered: its answer will come.</summary>
    public bool AwaitingAnswer => Mode == ReplicationMode.Probe ? ProbeOutstanding : _inflight.Count > 0;

    /// <summary>In snapshot mode: the snapshot being sent, kept until the follower has it or the transfer is begun again.</summary>
    public SnapshotImage? Image { get; private set; }

    /// <summary>
    /// Entries the leader compacted while this follower was taking an older snapshot, which follow that snapshot; null
    /// when none are kept. Dropped when another transfer begins.
    /// </summary>
    public RetainedEntries? Retained { get; set; }

    /// <summary>
    /// Whether the next entry to send, though compacted from the log, is among the <see cref="Retained"/> entries, and
    /// those reach the log's first entry (just after <paramref name="snapshotIndex"/>), so appends can go on from there.
    /// </summary>
    public bool CanAppendRetained(long snapshotIndex) =>
        Retained is { } r && Next > r.After && Next <= r.LastIndex + 1 && r.LastIndex >= snapshotIndex;

    /// <summary>In snapshot mode: the last included index of the snapshot being sent.</summary>
    public long SnapshotIndex => Image?.Index ?? 0;

    /// <summary>
    /// In snapshot mode: the follower has taken at least one chunk of the snapshot being sent. A transfer that has made
    /// progress finishes with its snapshot; one that has not may as well start with the newest.
    /// </summary>
    public bool SnapshotUnderway => Mode == ReplicationMode.Snapshot && SnapshotOffset > 0;

    /// <summary>In snapshot mode: the offset of the next chunk to send.</summary>
    public long SnapshotOffset { get; private set; }

    /// <summary>In snapshot mode: a chunk is out and unanswered (cleared by each heartbeat tick, so a lost one is resent).</summary>
    public bool ChunkOutstanding { get; private set; }

    /// <summary>In snapshot mode: the offset just past the last chunk sent, the answer that means it arrived in order.</summary>
    private long _chunkEnd;

    /// <summary>
    /// The highest index any message to this follower spoke of in this term (the last entry of an AppendEntries, or
    /// the last index a snapshot covers). A follower can only acknowledge what it was sent: an answer claiming more is
    /// not from a correct follower, and counting it could commit an entry no majority holds.
    /// </summary>
    public long HighestSent { get; private set; }

    /// <summary>A message speaking of indexes up to <paramref name="index"/> went to the follower.</summary>
    public void NoteSent(long index)
    {
        if (index > HighestSent) HighestSent = index;
    }

    /// <summary>True when no message with entries may be sent now.</summary>
    public bool IsPaused => Mode switch
    {
        ReplicationMode.Probe => ProbeOutstanding,
        ReplicationMode.Replicate => _inflight.Count >= _maxInflight,
        _ => true,
    };

    /// <summary>Starts (or restarts, for a newer snapshot) sending <paramref name="image"/>, from its first byte.</summary>
    public void BeginSnapshot(SnapshotImage image)
    {
        Mode = ReplicationMode.Snapshot;
        Image = image;
        Retained = null;
        SnapshotOffset = 0;
        ChunkOutstanding = false;
        ProbeOutstanding = false;
        _inflight.Clear();
    }

    /// <summary>A chunk ending just before <paramref name="end"/> went out.</summary>
    public void ChunkSent(long end)
    {
        ChunkOutstanding = true;
        _chunkEnd = end;
    }

    /// <summary>
    /// The follower expects <paramref name="nextOffset"/> of snapshot <paramref name="index"/> next. True when the chunk
    /// sent arrived in order and the next may go at once. Any other offset (the follower started over, or lost a chunk)
    /// is where the next chunk starts, but only at the next heartbeat: answering at once could loop as fast as the
    /// network carries it. False, changing nothing, when the answer is stale.
    /// </summary>
    public bool ChunkAcknowledged(long index, long nextOffset)
    {
        if (Mode != ReplicationMode.Snapshot || index != SnapshotIndex) return false;
        SnapshotOffset = nextOffset;
        if (nextOffset != _chunkEnd) return false; // paced: the heartbeat clears ChunkOutstanding
        ChunkOutstanding = false;
        return true;
    }

    /// <summary>The follower holds everything up to <paramref name="index"/> (it installed a snapshot): probe from just after it.</summary>
    public void SnapshotInstalled(long index)
    {
        if (index > Match) Match = index;
        Next = Match + 1;
        Mode = ReplicationMode.Probe;
        Image = null;
        ProbeOutstanding = false;
        ChunkOutstanding = false;
        _inflight.Clear();
    }

    /// <summary>An AppendEntries carrying entries up to <paramref name="lastIndex"/> was sent.</summary>
    public void Sent(long lastIndex)
    {
        if (Mode == ReplicationMode.Probe)
        {
            ProbeOutstanding = true;
            return;
        }
        _inflight.Enqueue(lastIndex);
        Next = lastIndex + 1;
    }

    /// <summary>The follower holds everything up to <paramref name="matchIndex"/>. Returns true when <see cref="Match"/> grew.</summary>
    public bool Acknowledged(long matchIndex)
    {
        while (_inflight.Count > 0 && _inflight.Peek() <= matchIndex) _inflight.Dequeue();
        var grew = matchIndex > Match;
        if (grew) Match = matchIndex;
        if (Mode == ReplicationMode.Snapshot)
        {
            // A late answer to an append sent before the snapshot started. If it covers the snapshot, the follower
            // needs nothing the leader compacted: entries go again (etcd: a snapshot is pending only while match is
            // behind it). Otherwise the snapshot decides what comes next.
            if (Match < SnapshotIndex) return grew;
            Mode = ReplicationMode.Replicate;
            Image = null;
            ChunkOutstanding = false;
            Next = Match + 1;
            return grew;
        }
        if (Mode == ReplicationMode.Probe)
        {
            // The probe landed: from here on, pipeline after what is known to match.
            Mode = ReplicationMode.Replicate;
            ProbeOutstanding = false;
            Next = Match + 1;
        }
        else if (Next <= Match)
        {
            Next = Match + 1;
        }
        return grew;
    }

    /// <summary>
    /// The follower refused an AppendEntries whose previous index was <paramref name="rejectedPrev"/>;
    /// <paramref name="hintNext"/> is where the fast-backup hint says to resume. Returns false when the
    /// refusal is stale (it answers a message sent before something newer was learnt) and changes nothing.
    /// </summary>
    public bool Rejected(long rejectedPrev, long hintNext)
    {
        if (Mode == ReplicationMode.Snapshot) return false; // answers an append sent before the snapshot started
        if (Mode == ReplicationMode.Replicate)
        {
            if (rejectedPrev <= Match) return false;
        }
        else if (rejectedPrev != Next - 1)
        {
            return false;
        }
        // Never go back past what is known to match, never forward past the refused position.
        Next = Math.Max(Match + 1, Math.Min(hintNext, rejectedPrev));
        Mode = ReplicationMode.Probe;
        ProbeOutstanding = false;
        _inflight.Clear();
        return true;
    }

    /// <summary>A heartbeat interval passed: allow one more probe, so a lost probe or answer does not stall the follower.</summary>
    public void HeartbeatElapsed()
    {
        ProbeOutstanding = false;
        ChunkOutstanding = false;
    }
}
