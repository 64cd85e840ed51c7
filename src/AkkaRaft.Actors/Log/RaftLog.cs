namespace AkkaRaft.Actors.Log;

/// <summary>
/// The in-memory Raft log with absolute indices. Entries up to <see cref="SnapshotIndex"/> have been compacted
/// into a snapshot (Raft paper §7): only that last included index and its term remain. Index 0 with term 0 is the
/// empty prefix. Pure data: no actor, clock or I/O.
/// </summary>
internal sealed class RaftLog
{
    private readonly List<LogEntry> _entries = new();

    /// <summary>Last index covered by the snapshot (0 when there is none).</summary>
    public long SnapshotIndex { get; private set; }

    /// <summary>Term of the entry at <see cref="SnapshotIndex"/>.</summary>
    public long SnapshotTerm { get; private set; }

    /// <summary>Index of the first entry still held (<see cref="SnapshotIndex"/> + 1).</summary>
    public long FirstIndex => SnapshotIndex + 1;

    /// <summary>Index of the last entry, or <see cref="SnapshotIndex"/> when none is held.</summary>
    public long LastIndex => SnapshotIndex + _entries.Count;

    /// <summary>Term of the last entry, or <see cref="SnapshotTerm"/> when none is held.</summary>
    public long LastTerm => _entries.Count == 0 ? SnapshotTerm : _entries[^1].Term;

    /// <summary>Number of entries held (not compacted).</summary>
    public int Count => _entries.Count;

    /// <summary>Command bytes held (not compacted).</summary>
    public long CommandBytes { get; private set; }

    /// <summary>
    /// Term of the entry at <paramref name="index"/>: the snapshot's term at <see cref="SnapshotIndex"/>, null beyond the
    /// end and null for compacted indices below the snapshot (their terms are gone).
    /// </summary>
    public long? TermAt(long index)
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), index, "log indices start at 0");
        if (index == SnapshotIndex) return SnapshotTerm;
        if (index < SnapshotIndex) return null;
        return index <= LastIndex ? _entries[Offset(index)].Term : null;
    }

    /// <summary>The entry at <paramref name="index"/> (<see cref="FirstIndex"/> ≤ index ≤ <see cref="LastIndex"/>).</summary>
    public LogEntry this[long index] =>
        index >= FirstIndex && index <= LastIndex
            ? _entries[Offset(index)]
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"log holds indices {FirstIndex}..{LastIndex}");

    /// <summary>True when the log holds (or its snapshot covers) index <paramref name="index"/> with <paramref name="term"/> (Figure 2 consistency check).</summary>
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
            CommandBytes += e.Command.Length;
        }
    }

    /// <summary>Removes every entry at or after <paramref name="index"/>; compacted entries cannot be removed.</summary>
    public void TruncateFrom(long index)
    {
        if (index <= SnapshotIndex)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"cannot truncate into the snapshot, which covers up to {SnapshotIndex}");
        if (index > LastIndex) return;
        for (var i = index; i <= LastIndex; i++) CommandBytes -= _entries[Offset(i)].Command.Length;
        _entries.RemoveRange(Offset(index), (int)(LastIndex - index + 1));
    }

    /// <summary>
    /// Compacts every entry up to <paramref name="index"/>, which the log must hold, into the snapshot
    /// (the state machine has captured them). Does nothing if the snapshot already covers it.
    /// </summary>
    public void CompactTo(long index)
    {
        if (index <= SnapshotIndex) return;
        if (index > LastIndex)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"cannot compact past the last index {LastIndex}");
        var term = _entries[Offset(index)].Term;
        var removed = (int)(index - SnapshotIndex);
        for (var i = 0; i < removed; i++) CommandBytes -= _entries[i].Command.Length;
        _entries.RemoveRange(0, removed);
        SnapshotIndex = index;
        SnapshotTerm = term;
    }

    /// <summary>
    /// Installs a snapshot that ends at (<paramref name="index"/>, <paramref name="term"/>) (Raft paper Figure 13): if
    /// the log holds that very entry, the entries after it are kept; otherwise the whole log is discarded.
    /// </summary>
    public void InstallSnapshot(long index, long term)
    {
        if (index <= SnapshotIndex) return; // an older snapshot changes nothing
        if (index <= LastIndex && TermAt(index) == term)
        {
            CompactTo(index);
            return;
        }
        _entries.Clear();
        CommandBytes = 0;
        SnapshotIndex = index;
        SnapshotTerm = term;
    }

    /// <summary>
    /// Where incoming entries (consecutive, as an AppendEntries carries them) first differ from this log:
    /// the index of the first entry that is missing here or has another term here, or null when this log
    /// already holds every one of them (a stale or duplicated message, which must change nothing).
    /// Entries the snapshot covers are committed, so they never conflict.
    /// </summary>
    public long? FindConflict(IReadOnlyList<LogEntry> entries)
    {
        foreach (var e in entries)
        {
            if (e.Index <= SnapshotIndex) continue;
            if (TermAt(e.Index) != e.Term)
                return e.Index;
        }
        return null;
    }

    /// <summary>First index of the run of entries that share the term of the entry at <paramref name="atOrBefore"/> (not before the snapshot).</summary>
    public long FirstIndexOfTermEndingAt(long atOrBefore)
    {
        var term = TermAt(atOrBefore) ?? throw new ArgumentOutOfRangeException(nameof(atOrBefore));
        var i = atOrBefore;
        while (i > FirstIndex && TermAt(i - 1) == term) i--;
        return i;
    }

    /// <summary>Last index holding an entry of <paramref name="term"/> (the snapshot's last included entry counts), or null.</summary>
    public long? LastIndexOfTerm(long term)
    {
        for (var i = LastIndex; i >= FirstIndex; i--)
        {
            var t = _entries[Offset(i)].Term;
            if (t == term) return i;
            if (t < term) return null; // terms only grow along the log
        }
        return SnapshotIndex > 0 && SnapshotTerm == term ? SnapshotIndex : null;
    }

    /// <summary>
    /// Entries from <paramref name="from"/> (≥ <see cref="FirstIndex"/>) on, at most <paramref name="maxCount"/> of them
    /// and at most <paramref name="maxBytes"/> command bytes, but always at least one when any exists.
    /// </summary>
    public IReadOnlyList<LogEntry> Slice(long from, int maxCount, long maxBytes)
    {
        if (from < FirstIndex) throw new ArgumentOutOfRangeException(nameof(from), from, $"entries before {FirstIndex} are compacted into the snapshot");
        if (from > LastIndex) return Array.Empty<LogEntry>();
        var result = new List<LogEntry>((int)Math.Min(maxCount, LastIndex - from + 1));
        long bytes = 0;
        for (var i = from; i <= LastIndex && result.Count < maxCount; i++)
        {
            var e = _entries[Offset(i)];
            if (result.Count > 0 && bytes + e.Command.Length > maxBytes) break;
            bytes += e.Command.Length;
            result.Add(e);
        }
        return result;
    }

    /// <summary>Every entry held, in order (what a snapshot of the peer's state must keep beside the state machine's).</summary>
    public IReadOnlyList<LogEntry> Entries() => _entries.ToArray();

    /// <summary>Resets to a snapshot ending at (<paramref name="index"/>, <paramref name="term"/>) followed by <paramref name="suffix"/> (recovery).</summary>
    public void Restore(long index, long term, IReadOnlyList<LogEntry> suffix)
    {
        _entries.Clear();
        CommandBytes = 0;
        SnapshotIndex = index;
        SnapshotTerm = term;
        Append(suffix);
    }

    private int Offset(long index) => (int)(index - SnapshotIndex - 1);
}
