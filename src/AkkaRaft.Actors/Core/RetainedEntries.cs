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
    /// <summary>What an entry weighs beside its command: the object and array that hold it in memory.</summary>
    public const int EntryOverhead = 64;

    private readonly List<LogEntry> _entries = new();

    public RetainedEntries(long after, long afterTerm, long limit)
    {
        After = after;
        AfterTerm = afterTerm;
        Limit = limit;
    }

    /// <summary>The last index of the snapshot these entries follow.</summary>
    public long After { get; }

    /// <summary>The term of the entry at <see cref="After"/>.</summary>
    public long AfterTerm { get; }

    /// <summary>Most bytes kept, each entry weighing its command and <see cref="EntryOverhead"/>: the size of the snapshot they follow.</summary>
    public long Limit { get; }

    /// <summary>The last index kept (<see cref="After"/> when none is).</summary>
    public long LastIndex => After + _entries.Count;

    /// <summary>What the entries kept weigh: their commands and <see cref="EntryOverhead"/> each.</summary>
    public long Bytes { get; private set; }

    /// <summary>
    /// Keeps <paramref name="entries"/>, which must continue from <see cref="LastIndex"/>. False, keeping none of them,
    /// when they would take what is kept past <see cref="Limit"/>.
    /// </summary>
    public bool TryAdd(IReadOnlyList<LogEntry> entries)
    {
        long bytes = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Index != LastIndex + 1 + i)
                throw new ArgumentException($"entry {entries[i].Index} does not follow index {LastIndex + i}", nameof(entries));
            bytes += entries[i].Command.Length + EntryOverhead;
        }
        if (Bytes + bytes > Limit) return false;
        _entries.AddRange(entries);
        Bytes += bytes;
        return true;
    }

    /// <summary>The term at <paramref name="index"/>: <see cref="AfterTerm"/> at <see cref="After"/>, null outside what is kept.</summary>
    public long? TermAt(long index) =>
        index == After ? AfterTerm : index > After && index <= LastIndex ? _entries[(int)(index - After - 1)].Term : null;

    /// <summary>
    /// Entries from <paramref name="from"/> (after <see cref="After"/>) on, at most <paramref name="maxCount"/> of them and
    /// at most <paramref name="maxBytes"/> command bytes, but always at least one when any is kept from there.
    /// </summary>
    public IReadOnlyList<LogEntry> Slice(long from, int maxCount, long maxBytes)
    {
        if (from <= After) throw new ArgumentOutOfRangeException(nameof(from), from, $"entries kept start after index {After}");
        var result = new List<LogEntry>();
        long bytes = 0;
        for (var i = from; i <= LastIndex && result.Count < maxCount; i++)
        {
            var e = _entries[(int)(i - After - 1)];
            if (result.Count > 0 && bytes + e.Command.Length > maxBytes) break;
            bytes += e.Command.Length;
            result.Add(e);
        }
        return result;
    }
}
