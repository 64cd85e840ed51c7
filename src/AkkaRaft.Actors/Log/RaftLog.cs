namespace AkkaRaft.Actors.Log;

/// <summary>
/// The in-memory Raft log with absolute indices (first entry at index 1). Pure data: no actor,
/// clock or I/O. Index 0 is the empty prefix with term 0.
/// </summary>
internal sealed class RaftLog
{
    private readonly List<LogEntry> _entries = new();

    /// <summary>Index of the last entry, 0 when empty.</summary>
    public long LastIndex => _entries.Count;

    /// <summary>Term of the last entry, 0 when empty.</summary>
    public long LastTerm => _entries.Count == 0 ? 0 : _entries[^1].Term;

    /// <summary>Term of the entry at <paramref name="index"/>: 0 for index 0, null beyond the end.</summary>
    public long? TermAt(long index)
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), index, "log indices start at 0");
        if (index == 0) return 0;
        return index <= LastIndex ? _entries[(int)(index - 1)].Term : null;
    }

    /// <summary>The entry at <paramref name="index"/> (1 ≤ index ≤ <see cref="LastIndex"/>).</summary>
    public LogEntry this[long index] =>
        index >= 1 && index <= LastIndex
            ? _entries[(int)(index - 1)]
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"log holds indices 1..{LastIndex}");

    /// <summary>True when the log holds an entry at <paramref name="index"/> with <paramref name="term"/> (Figure 2 consistency check).</summary>
    public bool Matches(long index, long term) => TermAt(index) == term;

    /// <summary>
    /// Raft §5.4.1 election restriction: is a log ending at (<paramref name="lastTerm"/>, <paramref name="lastIndex"/>)
    /// at least as up-to-date as this one? Compare last terms first, then lengths.
    /// </summary>
    public bool IsUpToDate(long lastIndex, long lastTerm) =>
        lastTerm > LastTerm || (lastTerm == LastTerm && lastIndex >= LastIndex);

    /// <summary>Appends entries that must continue the log exactly (next index, non-decreasing terms).</summary>
    public void Append(IEnumerable<LogEntry> entries)
    {
        foreach (var e in entries)
        {
            if (e.Index != LastIndex + 1)
                throw new InvalidOperationException($"entry index {e.Index} does not follow the last index {LastIndex}");
            if (e.Term < LastTerm)
                throw new InvalidOperationException($"entry term {e.Term} at index {e.Index} is older than the last term {LastTerm}");
            _entries.Add(e);
        }
    }

    /// <summary>Removes every entry at or after <paramref name="index"/>.</summary>
    public void TruncateFrom(long index)
    {
        if (index < 1) throw new ArgumentOutOfRangeException(nameof(index), index, "cannot truncate the empty prefix");
        if (index > LastIndex) return;
        _entries.RemoveRange((int)(index - 1), (int)(LastIndex - index + 1));
    }

    /// <summary>
    /// Where incoming entries (consecutive, as an AppendEntries carries them) first differ from this log:
    /// the index of the first entry that is missing here or has another term here, or null when this log
    /// already holds every one of them (a stale or duplicated message, which must change nothing).
    /// </summary>
    public long? FindConflict(IReadOnlyList<LogEntry> entries)
    {
        foreach (var e in entries)
        {
            if (TermAt(e.Index) != e.Term)
                return e.Index;
        }
        return null;
    }

    /// <summary>First index of the run of entries that share the term of the entry at <paramref name="atOrBefore"/>.</summary>
    public long FirstIndexOfTermEndingAt(long atOrBefore)
    {
        var term = TermAt(atOrBefore) ?? throw new ArgumentOutOfRangeException(nameof(atOrBefore));
        var i = atOrBefore;
        while (i > 1 && TermAt(i - 1) == term) i--;
        return i;
    }

    /// <summary>Last index holding an entry of <paramref name="term"/>, or null when the log has none.</summary>
    public long? LastIndexOfTerm(long term)
    {
        for (var i = LastIndex; i >= 1; i--)
        {
            var t = _entries[(int)(i - 1)].Term;
            if (t == term) return i;
            if (t < term) return null; // terms only grow along the log
        }
        return null;
    }

    /// <summary>
    /// Entries from <paramref name="from"/> on, at most <paramref name="maxCount"/> of them and at most
    /// <paramref name="maxBytes"/> command bytes, but always at least one when any exists.
    /// </summary>
    public IReadOnlyList<LogEntry> Slice(long from, int maxCount, long maxBytes)
    {
        if (from < 1) throw new ArgumentOutOfRangeException(nameof(from), from, "log indices start at 1");
        if (from > LastIndex) return Array.Empty<LogEntry>();
        var result = new List<LogEntry>((int)Math.Min(maxCount, LastIndex - from + 1));
        long bytes = 0;
        for (var i = from; i <= LastIndex && result.Count < maxCount; i++)
        {
            var e = _entries[(int)(i - 1)];
            if (result.Count > 0 && bytes + e.Command.Length > maxBytes) break;
            bytes += e.Command.Length;
            result.Add(e);
        }
        return result;
    }
}
