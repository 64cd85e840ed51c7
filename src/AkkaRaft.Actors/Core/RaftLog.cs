using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors.Core;

/// <summary>
/// The in-memory Raft log with absolute indices. Entries up to <see cref="SnapshotIndex"/> have been compacted
/// into a snapshot (Raft paper §7): only that last included index and its term remain. Index 0 with term 0 is the
/// empty prefix. Pure data: no actor, clock or I/O.
/// </summary>
/// <remarks>
/// Entries are held in segments of arrays of primitives (terms, command end offsets, command bytes, and entry kinds
/// once a segment holds an entry other than a command), not as one
/// <see cref="LogEntry"/> and one command array each: a log that grows by tens of thousands of entries a second then
/// gives the garbage collector a few large arrays to keep instead of two objects per entry to trace and copy, which
/// made every young collection pause a process of three peers for about 20 ms (see docs/performance-history.md).
/// The newest <see cref="RecentEntries"/> entries are also kept as appended; an older <see cref="LogEntry"/> is made
/// when asked for, with a copy of its command.
/// </remarks>
internal sealed class RaftLog
{
    /// <summary>Most entries in one segment; compaction releases whole segments.</summary>
    internal const int SegmentEntries = 8192;

    /// <summary>A segment takes no more entries once its commands fill this many bytes (one larger command still goes in alone).</summary>
    internal const int SegmentBytes = 1 << 20;

    /// <summary>How many of the newest entries are also kept as the objects appended, by index modulo this (a power of two).</summary>
    internal const int RecentEntries = 1024;

    // In index order; the first may begin before FirstIndex (its compacted entries stay until all of it goes).
    private readonly List<Segment> _segments = new();

    // The entries appended last, as given: what a leader sends and every peer applies next is nearly always here, so
    // those reads copy nothing. Few enough to stay cheap for the collector. A slot is trusted when its entry has the index
    // asked for: a truncated index is held again only once Append has written its slot anew.
    private readonly LogEntry?[] _recent = new LogEntry?[RecentEntries];

    /// <summary>Last index covered by the snapshot (0 when there is none).</summary>
    public long SnapshotIndex { get; private set; }

    /// <summary>Term of the entry at <see cref="SnapshotIndex"/>.</summary>
    public long SnapshotTerm { get; private set; }

    /// <summary>Index of the first entry still held (<see cref="SnapshotIndex"/> + 1).</summary>
    public long FirstIndex => SnapshotIndex + 1;

    /// <summary>Index of the last entry, or <see cref="SnapshotIndex"/> when none is held.</summary>
    public long LastIndex => SnapshotIndex + Count;

    /// <summary>Term of the last entry, or <see cref="SnapshotTerm"/> when none is held.</summary>
    public long LastTerm => Count == 0 ? SnapshotTerm : TermOfHeld(LastIndex);

    /// <summary>Number of entries held (not compacted).</summary>
    public int Count { get; private set; }

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
        return index <= LastIndex ? TermOfHeld(index) : null;
    }

    /// <summary>The entry at <paramref name="index"/> (<see cref="FirstIndex"/> ≤ index ≤ <see cref="LastIndex"/>).</summary>
    public LogEntry this[long index]
    {
        get
        {
            if (index < FirstIndex || index > LastIndex)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"log holds indices {FirstIndex}..{LastIndex}");
            return Held(index);
        }
    }

    /// <summary>True when the log holds (or its snapshot covers) index <paramref name="index"/> with <paramref name="term"/> (Figure 2 consistency check).</summary>
    public bool Matches(long index, long term) => TermAt(index) == term;

    /// <summary>
    /// Raft §5.4.1 election restriction: is a log ending at (<paramref name="lastTerm"/>, <paramref name="lastIndex"/>)
    /// at least as up-to-date as this one? Compare last terms first, then lengths.
    /// </summary>
    public bool IsUpToDate(long lastIndex, long lastTerm) =>
        lastTerm > LastTerm || (lastTerm == LastTerm && lastIndex >= LastIndex);

    /// <summary>Appends entries that must continue the log exactly (next index, non-decreasing terms). Their commands are copied in.</summary>
    public void Append(IEnumerable<LogEntry> entries)
    {
        foreach (var e in entries)
        {
            if (e.Index != LastIndex + 1)
                throw new InvalidOperationException($"entry index {e.Index} does not follow the last index {LastIndex}");
            if (e.Term < LastTerm)
                throw new InvalidOperationException($"entry term {e.Term} at index {e.Index} is older than the last term {LastTerm}");
            if (_segments.Count == 0 || _segments[^1].IsFull) _segments.Add(new Segment(e.Index));
            _segments[^1].Add(e.Term, e.Command, e.Kind);
            _recent[e.Index & (RecentEntries - 1)] = e;
            Count++;
            CommandBytes += e.Command.Length;
        }
    }

    /// <summary>Removes every entry at or after <paramref name="index"/>; compacted entries cannot be removed.</summary>
    public void TruncateFrom(long index)
    {
        if (index <= SnapshotIndex)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"cannot truncate into the snapshot, which covers up to {SnapshotIndex}");
        if (index > LastIndex) return;
        CommandBytes -= BytesBetween(index, LastIndex);
        Count = (int)(index - FirstIndex);
        while (_segments.Count > 0 && _segments[^1].FirstIndex >= index) _segments.RemoveAt(_segments.Count - 1);
        if (Count == 0) _segments.Clear();
        else _segments[^1].Shrink((int)(index - _segments[^1].FirstIndex));
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
        var term = TermOfHeld(index);
        CommandBytes -= BytesBetween(FirstIndex, index);
        Count -= (int)(index - SnapshotIndex);
        SnapshotIndex = index;
        SnapshotTerm = term;
        if (Count == 0) _segments.Clear();
        else
        {
            var whole = 0;
            while (whole + 1 < _segments.Count && _segments[whole + 1].FirstIndex <= FirstIndex) whole++;
            _segments.RemoveRange(0, whole);
        }
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
        Clear();
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
            var t = TermOfHeld(i);
            if (t == term) return i;
            if (t < term) return null; // terms only grow along the log
        }
        return SnapshotIndex > 0 && SnapshotTerm == term ? SnapshotIndex : null;
    }

    /// <summary>
    /// Whether any entry from <paramref name="from"/> to <paramref name="to"/> (both held) is a configuration: a segment
    /// that never held one answers without looking at its entries.
    /// </summary>
    public bool HoldsConfiguration(long from, long to)
    {
        if (from < FirstIndex || to > LastIndex || from > to)
            throw new ArgumentOutOfRangeException(nameof(from), $"{from}..{to} is not within the held indices {FirstIndex}..{LastIndex}");
        for (var i = from; i <= to;)
        {
            var (segment, slot) = Locate(i);
            var lastSlot = (int)Math.Min(to - segment.FirstIndex, segment.Count - 1);
            if (segment.HoldsConfiguration(slot, lastSlot)) return true;
            i = segment.FirstIndex + lastSlot + 1;
        }
        return false;
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
            var e = Held(i);
            if (result.Count > 0 && bytes + e.Command.Length > maxBytes) break;
            bytes += e.Command.Length;
            result.Add(e);
        }
        return result;
    }

    /// <summary>Every entry held, in order (what a snapshot of the peer's state must keep beside the state machine's).</summary>
    public IReadOnlyList<LogEntry> Entries() => Count == 0 ? Array.Empty<LogEntry>() : Slice(FirstIndex, Count, long.MaxValue);

    /// <summary>Resets to a snapshot ending at (<paramref name="index"/>, <paramref name="term"/>) followed by <paramref name="suffix"/> (recovery).</summary>
    public void Restore(long index, long term, IReadOnlyList<LogEntry> suffix)
    {
        Clear();
        SnapshotIndex = index;
        SnapshotTerm = term;
        Append(suffix);
    }

    private void Clear()
    {
        _segments.Clear();
        Array.Clear(_recent);
        Count = 0;
        CommandBytes = 0;
    }

    /// <summary>The held entry at <paramref name="index"/>: the object appended while it is recent, else one made from the segment with a copy of its command.</summary>
    private LogEntry Held(long index)
    {
        if (_recent[index & (RecentEntries - 1)] is { } e && e.Index == index) return e;
        var (segment, slot) = Locate(index);
        return new LogEntry(index, segment.Term(slot), segment.Command(slot).ToArray()) { Kind = segment.Kind(slot) };
    }

    private long TermOfHeld(long index)
    {
        var (segment, slot) = Locate(index);
        return segment.Term(slot);
    }

    /// <summary>Command bytes of the entries from <paramref name="from"/> to <paramref name="to"/>, both held: one sum per segment.</summary>
    private long BytesBetween(long from, long to)
    {
        long bytes = 0;
        for (var i = from; i <= to;)
        {
            var (segment, slot) = Locate(i);
            var lastSlot = (int)Math.Min(to - segment.FirstIndex, segment.Count - 1);
            bytes += segment.BytesOf(slot, lastSlot);
            i = segment.FirstIndex + lastSlot + 1;
        }
        return bytes;
    }

    /// <summary>The segment holding <paramref name="index"/> (held) and its slot there; the newest segments are asked most.</summary>
    private (Segment Segment, int Slot) Locate(long index)
    {
        int lo = 0, hi = _segments.Count - 1;
        if (_segments[hi].FirstIndex <= index) lo = hi;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (_segments[mid].FirstIndex <= index) lo = mid;
            else hi = mid - 1;
        }
        return (_segments[lo], (int)(index - _segments[lo].FirstIndex));
    }

    /// <summary>
    /// Consecutive entries from <see cref="FirstIndex"/>: their terms, where each command ends, the commands back to back,
    /// and their kinds, kept only from the first entry that is not a command on (configuration entries are rare, so most
    /// segments never allocate them).
    /// </summary>
    private sealed class Segment(long firstIndex)
    {
        public readonly long FirstIndex = firstIndex;
        private long[] _terms = new long[16];
        private int[] _ends = new int[16];
        private byte[] _data = new byte[1024];
        private LogEntryKind[]? _kinds;

        /// <summary>Entries held, from <see cref="FirstIndex"/>.</summary>
        public int Count { get; private set; }

        public long Term(int slot) => _terms[slot];

        public LogEntryKind Kind(int slot) => _kinds is null ? LogEntryKind.Command : _kinds[slot];

        /// <summary>Whether a slot from <paramref name="first"/> to <paramref name="last"/>, both included, holds a configuration.</summary>
        public bool HoldsConfiguration(int first, int last)
        {
            if (_kinds is null) return false;
            for (var slot = first; slot <= last; slot++)
                if (_kinds[slot] == LogEntryKind.Configuration) return true;
            return false;
        }

        public ReadOnlySpan<byte> Command(int slot) => _data.AsSpan(Start(slot), _ends[slot] - Start(slot));

        /// <summary>Command bytes of the slots from <paramref name="first"/> to <paramref name="last"/>, both included.</summary>
        public int BytesOf(int first, int last) => _ends[last] - Start(first);

        public bool IsFull => Count == SegmentEntries || Start(Count) >= SegmentBytes;

        public void Add(long term, byte[] command, LogEntryKind kind)
        {
            if (Count == _terms.Length)
            {
                Array.Resize(ref _terms, Math.Min(_terms.Length * 2, SegmentEntries));
                Array.Resize(ref _ends, _terms.Length);
                if (_kinds is not null) Array.Resize(ref _kinds, _terms.Length);
            }
            // Once kinds are kept, every slot is written: a slot freed by Shrink may hold an older entry's kind.
            if (kind != LogEntryKind.Command) _kinds ??= new LogEntryKind[_terms.Length];
            if (_kinds is not null) _kinds[Count] = kind;
            var start = Start(Count);
            var end = start + command.Length;
            if (end > _data.Length) Array.Resize(ref _data, Math.Max(end, _data.Length * 2));
            command.CopyTo(_data, start);
            _terms[Count] = term;
            _ends[Count] = end;
            Count++;
        }

        /// <summary>Keeps the first <paramref name="count"/> entries.</summary>
        public void Shrink(int count) => Count = count;

        private int Start(int slot) => slot == 0 ? 0 : _ends[slot - 1];
    }
}
