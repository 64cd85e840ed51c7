using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors.Core;

/// <summary>
/// Committed entries a leader compacted while a follower was taking an older snapshot, kept for that follower. They
/// continue from the snapshot it is taking, so once it has installed that snapshot, appends bring it the rest of the
/// way instead of a second, newer snapshot. Kept only while they weigh less than the snapshot itself
/// (<see cref="Limit"/>): past that, the newer snapshot costs less to send and to hold. Pure data.
/// </summary>
internal sealed class RetainedEntries
{
    /// <summary>What an entry weighs beside its command: what holding it costs in memory.</summary>
    public const int EntryOverhead = 64;

    // A log of its own whose "snapshot" is the one the entries follow: it holds them compactly and answers terms and slices.
    private readonly RaftLog _entries = new();

    public RetainedEntries(long after, long afterTerm, long limit)
    {
        _entries.Restore(after, afterTerm, Array.Empty<LogEntry>());
        Limit = limit;
    }

    /// <summary>The last index of the snapshot these entries follow.</summary>
    public long After => _entries.SnapshotIndex;

    /// <summary>Most bytes kept, each entry weighing its command and <see cref="EntryOverhead"/>: the size of the snapshot they follow.</summary>
    public long Limit { get; }

    /// <summary>The last index kept (<see cref="After"/> when none is).</summary>
    public long LastIndex => _entries.LastIndex;

    /// <summary>What the entries kept weigh: their commands and <see cref="EntryOverhead"/> each.</summary>
    public long Bytes => _entries.CommandBytes + (long)_entries.Count * EntryOverhead;

    /// <summary>
    /// Keeps <paramref name="entries"/>, which must continue from <see cref="LastIndex"/> (else it throws, as
    /// <see cref="RaftLog.Append"/> does). False, keeping none of them, when they would take what is kept past <see cref="Limit"/>.
    /// </summary>
    public bool TryAdd(IReadOnlyList<LogEntry> entries)
    {
        long bytes = 0;
        foreach (var e in entries) bytes += e.Command.Length + EntryOverhead;
        if (Bytes + bytes > Limit) return false;
        _entries.Append(entries);
        return true;
    }

    /// <summary>The term at <paramref name="index"/>: the snapshot's at <see cref="After"/>, null outside what is kept.</summary>
    public long? TermAt(long index) => _entries.TermAt(index);

    /// <summary>Entries from <paramref name="from"/> (after <see cref="After"/>) on, within the limits, as <see cref="RaftLog.Slice"/>.</summary>
    public IReadOnlyList<LogEntry> Slice(long from, int maxCount, long maxBytes) => _entries.Slice(from, maxCount, maxBytes);
}
