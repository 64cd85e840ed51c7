using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// A configuration entry takes effect when it is in the log and is undone by truncation (Raft thesis §4.1), so the log
/// must give every entry back with the kind it was appended with: from the recent entries and from the segments alike,
/// across truncation, compaction, snapshots and slices.
/// </summary>
public sealed class RaftLogEntryKindTests
{
    private static LogEntry Entry(long index, long term, bool configuration = false) =>
        new(index, term, [(byte)index, 7]) { Kind = configuration ? LogEntryKind.Configuration : LogEntryKind.Command };

    // Every 97th entry is a configuration: enough of them in every segment, and far apart.
    private static List<LogEntry> Entries(long from, int count, long term) =>
        Enumerable.Range(0, count).Select(i => Entry(from + i, term, configuration: (from + i) % 97 == 0)).ToList();

    private static void AssertKinds(IReadOnlyList<LogEntry> expected, RaftLog log)
    {
        Assert.Equal(expected.Select(e => (e.Index, e.Kind)), log.Entries().Select(e => (e.Index, e.Kind)));
        foreach (var e in expected) Assert.Equal(e.Kind, log[e.Index].Kind);
    }

    [Fact]
    public void Entries_keep_their_kind_once_they_are_older_than_the_recent_ones()
    {
        var log = new RaftLog();
        var entries = Entries(1, RaftLog.SegmentEntries + 2 * RaftLog.RecentEntries, 1);
        log.Append(entries);
        AssertKinds(entries, log);
        Assert.Equal(LogEntryKind.Configuration, log[97].Kind); // made from its segment, not the recent slot
        Assert.Equal(LogEntryKind.Command, log[98].Kind);
    }

    [Fact]
    public void A_truncated_configuration_entry_replaced_by_a_command_reads_back_as_a_command()
    {
        // Thesis §4.1: a truncated configuration is undone; what replaces it at that index is whatever the leader sent.
        var log = new RaftLog();
        var entries = Entries(1, 3 * RaftLog.RecentEntries, 1);
        log.Append(entries);
        log.TruncateFrom(97);
        var replacement = Enumerable.Range(97, 2 * RaftLog.RecentEntries).Select(i => Entry(i, 2, configuration: i == 98)).ToList();
        log.Append(replacement);
        var last = Entry(log.LastIndex + 1, 2);
        log.Append([last]); // pushes 97 and 98 out of the recent entries
        Assert.Equal(LogEntryKind.Command, log[97].Kind);
        Assert.Equal(LogEntryKind.Configuration, log[98].Kind);
        AssertKinds([.. entries.Take(96), .. replacement, last], log);
    }

    [Fact]
    public void Compaction_and_an_installed_snapshot_keep_the_kinds_of_the_suffix()
    {
        var log = new RaftLog();
        var entries = Entries(1, RaftLog.SegmentEntries * 2, 1);
        log.Append(entries);
        log.CompactTo(RaftLog.SegmentEntries + 3);
        AssertKinds(entries.Skip(RaftLog.SegmentEntries + 3).ToList(), log);
        log.InstallSnapshot(RaftLog.SegmentEntries + 50, 1); // matches a held entry: the suffix after it stays
        AssertKinds(entries.Skip(RaftLog.SegmentEntries + 50).ToList(), log);
    }

    [Fact]
    public void A_restored_log_keeps_the_kinds_of_its_suffix()
    {
        var log = new RaftLog();
        var suffix = Entries(501, 3 * RaftLog.RecentEntries, 4);
        log.Restore(500, 3, suffix);
        AssertKinds(suffix, log);
    }

    [Fact]
    public void Slices_keep_the_kinds_within_and_across_segments()
    {
        var log = new RaftLog();
        var entries = Entries(1, RaftLog.SegmentEntries + 200, 1);
        log.Append(entries);
        var from = (RaftLog.SegmentEntries / 97) * 97 - 3; // a configuration entry just before the boundary
        var slice = log.Slice(from, maxCount: 300, maxBytes: long.MaxValue);
        Assert.Equal(entries.Skip(from - 1).Take(300).Select(e => (e.Index, e.Kind)), slice.Select(e => (e.Index, e.Kind)));
        Assert.Contains(slice, e => e.Kind == LogEntryKind.Configuration);
    }

    [Fact]
    public void The_log_says_whether_a_range_holds_a_configuration_within_and_across_segments_and_after_truncation()
    {
        var log = new RaftLog();
        var entries = Entries(1, RaftLog.SegmentEntries + 200, 1);
        log.Append(entries);
        foreach (var (from, to) in new (long, long)[] { (1, 1), (1, 96), (97, 97), (90, 100), (98, 193), (98, 194), (RaftLog.SegmentEntries - 10, RaftLog.SegmentEntries + 10), (RaftLog.SegmentEntries - 60, RaftLog.SegmentEntries + 60), (1, log.LastIndex) })
            Assert.Equal(entries.Skip((int)from - 1).Take((int)(to - from + 1)).Any(e => e.Kind == LogEntryKind.Configuration), log.HoldsConfiguration(from, to));

        log.TruncateFrom(97);
        log.Append(Enumerable.Range(97, 5).Select(i => Entry(i, 2, configuration: i == 99)).ToList());
        Assert.False(log.HoldsConfiguration(97, 98)); // a command now where a configuration was
        Assert.True(log.HoldsConfiguration(97, 101));
        Assert.False(log.HoldsConfiguration(100, 101));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.HoldsConfiguration(100, 102));
    }

    [Fact]
    public void A_log_of_commands_alone_holds_no_configuration()
    {
        var log = new RaftLog();
        log.Append(Enumerable.Range(1, RaftLog.SegmentEntries + 5).Select(i => Entry(i, 1)).ToList());
        Assert.False(log.HoldsConfiguration(1, log.LastIndex));
    }
}
