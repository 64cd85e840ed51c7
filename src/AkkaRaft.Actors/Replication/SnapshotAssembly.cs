namespace AkkaRaft.Actors.Replication;

/// <summary>
/// A follower's reassembly of a snapshot sent in chunks. Chunks must arrive in order; a duplicate, a gap or a chunk of
/// an older snapshot changes nothing, and the answer always names the next offset expected, so the leader resends
/// from there. A chunk at offset 0 of a newer snapshot starts over. Pure data.
/// </summary>
internal sealed class SnapshotAssembly
{
    private MemoryStream? _buffer;

    /// <summary>The snapshot being assembled (its last included index), 0 when none.</summary>
    public long Index { get; private set; }

    public long Term { get; private set; }

    /// <summary>Bytes received in order so far.</summary>
    public long Received => _buffer?.Length ?? 0;

    /// <summary>
    /// Offers a chunk. Returns the next offset expected; <paramref name="complete"/> is the whole snapshot once its
    /// last chunk has arrived in order (and the assembly is then reset).
    /// </summary>
    public long Offer(long index, long term, long offset, byte[] data, bool done, out byte[]? complete)
    {
        complete = null;
        if (index < Index) return 0; // a chunk of an older snapshot: stale
        if (index > Index || term != Term)
        {
            if (offset != 0) return 0; // the start of this snapshot is missing: ask for it
            Index = index;
            Term = term;
            _buffer = new MemoryStream();
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
        Index = 0;
        Term = 0;
    }
}
