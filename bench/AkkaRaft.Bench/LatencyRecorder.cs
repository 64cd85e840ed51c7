namespace AkkaRaft.Bench;

/// <summary>
/// Every latency of a run, exactly, in chunks small enough to stay off the large-object heap: a single growing
/// array would be copied into ever larger LOH blocks, and each of those can set off a gen2 collection that the
/// bench would then report as the library's.
/// </summary>
internal sealed class LatencyRecorder
{
    private const int ChunkLength = 8 * 1024; // 64 KiB of longs, under the 85,000-byte LOH threshold

    private readonly List<long[]> _chunks = new();
    private long[] _current = new long[ChunkLength];
    private int _used;

    public long Count => (long)_chunks.Count * ChunkLength + _used;

    public void Add(long value)
    {
        if (_used == ChunkLength)
        {
            _chunks.Add(_current);
            _current = new long[ChunkLength];
            _used = 0;
        }
        _current[_used++] = value;
    }

    public void Clear()
    {
        _chunks.Clear();
        _used = 0;
    }

    /// <summary>All values, in one array (call once, after measuring).</summary>
    public long[] ToArray()
    {
        var all = new long[Count];
        var at = 0;
        foreach (var chunk in _chunks)
        {
            chunk.CopyTo(all, at);
            at += chunk.Length;
        }
        Array.Copy(_current, 0, all, at, _used);
        return all;
    }
}
