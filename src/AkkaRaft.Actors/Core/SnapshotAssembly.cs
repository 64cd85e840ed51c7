namespace AkkaRaft.Actors.Core;

/// <summary>
/// A follower's reassembly of a snapshot sent in chunks by one leader in one term. Chunks must arrive in order; a
/// duplicate, a gap or a chunk of another snapshot changes nothing, and the answer always names the next offset
/// expected, so the leader resends from there. A chunk at offset 0 always starts over (Figure 13, step 2), as does any
/// chunk from another leader or term: bytes from two leaders are never joined, and a half-received snapshot of an old
/// leader never blocks the new leader's, newer or older. Pure data.
/// </summary>
internal sealed class SnapshotAssembly
{
    private MemoryStream? _buffer;

    /// <summary>The leader whose snapshot is being assembled, null when none.</summary>
    public string? Leader { get; private set; }

    /// <summary>The term in which <see cref="Leader"/> sent it.</summary>
    public long LeaderTerm { get; private set; }

    /// <summary>The snapshot being assembled (its last included index), 0 when none.</summary>
    public long Index { get; private set; }

    public long Term { get; private set; }

    /// <summary>Bytes received in order so far.</summary>
    public long Received => _buffer?.Length ?? 0;

    /// <summary>
    /// Offers a chunk that <paramref name="leader"/> sent in <paramref name="leaderTerm"/>. Returns the next offset
    /// expected; <paramref name="complete"/> is the whole snapshot once its last chunk has arrived in order (and the
    /// assembly is then reset).
    /// </summary>
    public long Offer(string leader, long leaderTerm, long index, long term, long offset, byte[] data, bool done, out byte[]? complete)
    {
        complete = null;
        if (offset == 0 || leader != Leader || leaderTerm != LeaderTerm)
        {
            Reset();
            if (offset != 0) return 0; // the start of this leader's snapshot is missing: ask for it
            Leader = leader;
            LeaderTerm = leaderTerm;
            Index = index;
            Term = term;
            _buffer = new MemoryStream();
        }
        else if (index != Index || term != Term)
        {
            return 0; // a chunk of another snapshot of this leader, whose start never came here: ask for it
        }
        if (offset != Received) return Received; // a duplicate or a gap
        _buffer!.Write(data);
        if (!done) return Received;
        complete = _buffer.ToArray();
        var received = Received;
        Reset();
        return received;
    }

    public void Reset()
    {
        _buffer = null;
        Leader = null;
        LeaderTerm = 0;
        Index = 0;
        Term = 0;
    }
}
