using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// The log keeps its entries in segments of arrays (a segment ends after <see cref="RaftLog.SegmentEntries"/> entries
/// or once its commands fill <see cref="RaftLog.SegmentBytes"/>). Every operation must give the same answers across
/// segment boundaries as within one: checked here at the boundaries and against a plain list of entries.
/// </summary>
public sealed class RaftLogSegmentTests
{
    private static LogEntry Entry(long index, long term, int bytes = 8)
    {
        var command = new byte[bytes];
        for (var i = 0; i < bytes; i++) command[i] = (byte)(index * 31 + i);
        return new LogEntry(index, term, command);
    }

    private static void AssertHolds(IReadOnlyList<LogEntry> expected, RaftLog log)
    {
        Assert.Equal(expected.Count, log.Count);
        Assert.Equal(expected.Sum(e => (long)e.Command.Length), log.CommandBytes);
        if (expected.Count == 0) return;
        Assert.Equal(expected[0].Index, log.FirstIndex);
        Assert.Equal(expected[^1].Index, log.LastIndex);
        Assert.Equal(expected[^1].Term, log.LastTerm);
        var held = log.Entries();
        Assert.Equal(expected.Select(e => (e.Index, e.Term)), held.Select(e => (e.Index, e.Term)));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Command, held[i].Command);
            Assert.Equal(expected[i].Term, log.TermAt(expected[i].Index));
            Assert.Equal(expected[i].Command, log[expected[i].Index].Command);
        }
    }

    [Fact]
    public void Entries_on_both_sides_of_a_segment_boundary_read_back_exactly()
    {
        var log = new RaftLog();
        var entries = Enumerable.Range(1, RaftLog.SegmentEntries * 2 + 5).Select(i => Entry(i, 1 + i / 1000, bytes: i % 13)).ToList();

        log.Append(entries);

        AssertHolds(entries, log);
        var across = log.Slice(RaftLog.SegmentEntries - 2, maxCount: 5, maxBytes: long.MaxValue);
        Assert.Equal(Enumerable.Range(RaftLog.SegmentEntries - 2, 5).Select(i => (long)i), across.Select(e => e.Index));
    }

    [Fact]
    public void Large_commands_read_back_exactly_one_larger_than_a_segment_included()
    {
        var log = new RaftLog();
        var entries = new List<LogEntry>();
        for (var i = 1; i <= 40; i++) entries.Add(Entry(i, 1, bytes: 100_000));
        entries.Add(Entry(41, 2, bytes: RaftLog.SegmentBytes * 3 / 2));
        entries.Add(Entry(42, 2, bytes: 3));

        log.Append(entries);

        AssertHolds(entries, log);
    }

    [Fact]
    public void Truncating_at_a_segment_start_and_appending_again_overwrites_only_the_removed_entries()
    {
        var log = new RaftLog();
        var entries = Enumerable.Range(1, RaftLog.SegmentEntries + 10).Select(i => Entry(i, 1)).ToList();
        log.Append(entries);

        log.TruncateFrom(RaftLog.SegmentEntries + 1);
        var replacement = Enumerable.Range(RaftLog.SegmentEntries + 1, 3).Select(i => Entry(i, 2, bytes: 20)).ToList();
        log.Append(replacement);

        AssertHolds(entries.Take(RaftLog.SegmentEntries).Concat(replacement).ToList(), log);
    }

    [Fact]
    public void Compacting_past_whole_segments_keeps_the_suffix_readable_and_appendable()
    {
        var log = new RaftLog();
        var entries = Enumerable.Range(1, RaftLog.SegmentEntries * 3).Select(i => Entry(i, 1 + i / 5000)).ToList();
        log.Append(entries);

        log.CompactTo(RaftLog.SegmentEntries * 2 + 7);
        var more = Enumerable.Range(RaftLog.SegmentEntries * 3 + 1, 4).Select(i => Entry(i, 9)).ToList();
        log.Append(more);

        Assert.Equal(RaftLog.SegmentEntries * 2 + 7, log.SnapshotIndex);
        Assert.Equal(entries[RaftLog.SegmentEntries * 2 + 6].Term, log.SnapshotTerm);
        AssertHolds(entries.Skip(RaftLog.SegmentEntries * 2 + 7).Concat(more).ToList(), log);
    }

    [Fact]
    public void Random_appends_truncations_and_compactions_match_a_list_of_entries()
    {
        var random = new Random(20261202);
        var log = new RaftLog();
        var model = new List<LogEntry>();
        long snapshotIndex = 0, term = 1;
        for (var step = 0; step < 400; step++)
        {
            var roll = random.Next(10);
            var last = snapshotIndex + model.Count;
            if (roll < 6 || model.Count == 0)
            {
                if (random.Next(4) == 0) term++;
                var batch = Enumerable.Range(1, random.Next(1, 300)).Select(i => Entry(last + i, term, random.Next(0, 600))).ToList();
                log.Append(batch);
                model.AddRange(batch);
            }
            else if (roll < 8)
            {
                var from = snapshotIndex + 1 + random.Next(model.Count);
                log.TruncateFrom(from);
                model.RemoveRange((int)(from - snapshotIndex - 1), (int)(last - from + 1));
                term++; // a new leader's entries follow a truncation
            }
            else
            {
                var to = snapshotIndex + 1 + random.Next(model.Count);
                log.CompactTo(to);
                model.RemoveRange(0, (int)(to - snapshotIndex));
                snapshotIndex = to;
            }
            Assert.Equal(snapshotIndex, log.SnapshotIndex);
            Assert.Equal(snapshotIndex + model.Count, log.LastIndex);
        }
        AssertHolds(model, log);
    }
}
