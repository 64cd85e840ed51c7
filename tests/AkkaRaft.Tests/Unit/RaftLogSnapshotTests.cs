using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// The log across a snapshot offset (Raft paper §7, Figure 12): entries keep their absolute indices, and below the
/// snapshot only the last included index and term remain.
/// </summary>
public sealed class RaftLogSnapshotTests
{
    /// <summary>Consecutive entries from <paramref name="firstIndex"/>, one per term; entry i carries an i-byte command.</summary>
    private static LogEntry[] Entries(long firstIndex, params long[] terms) =>
        terms.Select((t, i) => new LogEntry(firstIndex + i, t, new byte[firstIndex + i])).ToArray();

    /// <summary>A log whose entries 1.. have <paramref name="terms"/>, compacted up to <paramref name="compactTo"/>.</summary>
    private static RaftLog Compacted(long compactTo, params long[] terms)
    {
        var log = new RaftLog();
        log.Append(Entries(1, terms));
        log.CompactTo(compactTo);
        return log;
    }

    [Fact]
    public void CompactTo_keeps_absolute_indices_of_the_entries_after_the_snapshot()
    {
        // Reference: Raft paper §7, Figure 12 (the snapshot replaces the committed prefix; later entries keep their indices)
        var log = Compacted(3, 1, 1, 2, 2, 3);

        Assert.Equal(3, log.SnapshotIndex);
        Assert.Equal(2, log.SnapshotTerm);
        Assert.Equal(4, log.FirstIndex);
        Assert.Equal(5, log.LastIndex);
        Assert.Equal(3, log.LastTerm);
        Assert.Equal(2, log.Count);
        Assert.Equal(2, log.TermAt(4));
        Assert.Equal(3, log.TermAt(5));
        Assert.Equal(4, log[4].Index);
        Assert.Equal(5, log[5].Index);
        Assert.Equal(4, log[4].Command.Length);
        Assert.Equal(4 + 5, log.CommandBytes); // the compacted commands (1 + 2 + 3 bytes) are gone
    }

    [Fact]
    public void Compacting_every_entry_leaves_the_last_index_and_term_at_the_snapshot()
    {
        // Reference: Raft paper §7 (lastIncludedIndex and lastIncludedTerm stand for the discarded log)
        var log = Compacted(3, 1, 1, 2);

        Assert.Equal(0, log.Count);
        Assert.Equal(3, log.LastIndex);
        Assert.Equal(2, log.LastTerm);
        Assert.Equal(0, log.CommandBytes);
    }

    [Fact]
    public void Compacted_entries_cannot_be_read()
    {
        // Reference: Raft paper §7 (the log entries up to the snapshot are discarded)
        var log = Compacted(3, 1, 1, 2, 2, 3);

        Assert.Throws<ArgumentOutOfRangeException>(() => log[3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => log[1]);
    }

    [Fact]
    public void CompactTo_an_older_index_changes_nothing()
    {
        // Reference: Raft paper §7 (a snapshot never moves backwards)
        var log = Compacted(3, 1, 1, 2, 2, 3);

        log.CompactTo(2);

        Assert.Equal(3, log.SnapshotIndex);
        Assert.Equal(2, log.Count);
    }

    [Fact]
    public void CompactTo_refuses_an_index_beyond_the_log()
    {
        // Reference: Raft paper §7 (a server snapshots only entries it holds, and has applied)
        var log = Compacted(1, 1, 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => log.CompactTo(3));
        Assert.Equal(1, log.SnapshotIndex);
    }

    [Fact]
    public void TermAt_is_null_below_the_snapshot_and_the_snapshot_term_at_its_index()
    {
        // Reference: Raft paper §7 (only the last included term is kept, for the AppendEntries consistency check)
        var log = Compacted(3, 1, 1, 2, 2, 3);

        Assert.Null(log.TermAt(1));
        Assert.Null(log.TermAt(2));
        Assert.Equal(2, log.TermAt(3));
    }

    [Fact]
    public void Matches_at_the_snapshot_index_uses_the_snapshot_term()
    {
        // Reference: Raft paper §7 ("the last included index and term ... support the AppendEntries consistency check
        // for the first log entry following the snapshot")
        var log = Compacted(3, 1, 1, 2, 2, 3);

        Assert.True(log.Matches(3, 2));
        Assert.False(log.Matches(3, 1));
    }

    [Fact]
    public void Slice_refuses_indices_below_the_first_entry_held()
    {
        // Reference: Raft paper §7 (entries the snapshot covers must be sent as the snapshot, not as entries)
        var log = Compacted(3, 1, 1, 2, 2, 3);

        Assert.Throws<ArgumentOutOfRangeException>(() => log.Slice(3, 10, long.MaxValue));
        Assert.Equal(new long[] { 4, 5 }, log.Slice(4, 10, long.MaxValue).Select(e => e.Index));
    }

    [Fact]
    public void FindConflict_ignores_entries_the_snapshot_covers()
    {
        // Reference: Raft paper §7 (the snapshot holds committed entries only; they match every leader's log, §5.4)
        var log = Compacted(3, 1, 1, 2, 2, 3);

        // Terms a stale message could carry for compacted indices are not compared: they are not held here.
        Assert.Null(log.FindConflict(Entries(1, 9, 9, 9, 2, 3)));
        Assert.Equal(5, log.FindConflict(Entries(2, 9, 9, 2, 4)));
        Assert.Equal(6, log.FindConflict(Entries(3, 9, 2, 3, 3)));
    }

    [Fact]
    public void LastIndexOfTerm_counts_the_snapshot_entry_and_stops_there()
    {
        // Reference: Raft paper §5.3 fast backup, §7 (the terms of compacted entries are unknown)
        var log = Compacted(4, 1, 1, 2, 2, 3);

        Assert.Equal(5, log.LastIndexOfTerm(3));
        Assert.Equal(4, log.LastIndexOfTerm(2)); // the last included entry
        Assert.Null(log.LastIndexOfTerm(1)); // compacted: not found, rather than a guess below the snapshot
    }

    [Fact]
    public void FirstIndexOfTermEndingAt_does_not_walk_below_the_first_entry_held()
    {
        // Reference: Raft paper §5.3 fast backup, §7
        var log = Compacted(2, 2, 2, 2, 2, 2);

        Assert.Equal(3, log.FirstIndexOfTermEndingAt(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.FirstIndexOfTermEndingAt(1));
    }

    [Fact]
    public void TruncateFrom_refuses_to_cut_into_the_snapshot()
    {
        // Reference: Raft paper §7 (snapshotted entries are committed; Leader Completeness, §5.4, forbids removing them)
        var log = Compacted(3, 1, 1, 2, 2, 3);

        Assert.Throws<ArgumentOutOfRangeException>(() => log.TruncateFrom(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.TruncateFrom(2));
        Assert.Equal(5, log.LastIndex);
    }

    [Fact]
    public void TruncateFrom_the_first_entry_held_leaves_only_the_snapshot()
    {
        // Reference: Raft paper Figure 2 (AppendEntries receiver step 3) across a snapshot, §7
        var log = Compacted(3, 1, 1, 2, 2, 3);

        log.TruncateFrom(4);

        Assert.Equal(3, log.LastIndex);
        Assert.Equal(2, log.LastTerm);
        Assert.Equal(0, log.Count);
        Assert.Equal(0, log.CommandBytes);
    }

    [Fact]
    public void InstallSnapshot_keeps_the_suffix_when_the_entry_at_its_index_matches()
    {
        // Reference: Raft paper Figure 13 step 6 ("If existing log entry has same index and term as snapshot's last
        // included entry, retain log entries following it")
        var log = new RaftLog();
        log.Append(Entries(1, 1, 1, 2, 2, 3));

        log.InstallSnapshot(3, 2);

        Assert.Equal(3, log.SnapshotIndex);
        Assert.Equal(2, log.SnapshotTerm);
        Assert.Equal(5, log.LastIndex);
        Assert.Equal(3, log.TermAt(5));
        Assert.Equal(4 + 5, log.CommandBytes);
    }

    [Fact]
    public void InstallSnapshot_discards_the_whole_log_when_the_entry_at_its_index_has_another_term()
    {
        // Reference: Raft paper Figure 13 step 7 ("Discard the entire log")
        var log = new RaftLog();
        log.Append(Entries(1, 1, 1, 1, 1, 1));

        log.InstallSnapshot(3, 2);

        Assert.Equal(3, log.SnapshotIndex);
        Assert.Equal(2, log.SnapshotTerm);
        Assert.Equal(3, log.LastIndex);
        Assert.Equal(2, log.LastTerm);
        Assert.Equal(0, log.Count);
        Assert.Equal(0, log.CommandBytes);
    }

    [Fact]
    public void InstallSnapshot_beyond_the_end_of_the_log_discards_it()
    {
        // Reference: Raft paper Figure 13 step 7, §7 (the usual case: the follower lags behind the leader's snapshot)
        var log = new RaftLog();
        log.Append(Entries(1, 1, 1));

        log.InstallSnapshot(10, 3);

        Assert.Equal(10, log.LastIndex);
        Assert.Equal(3, log.LastTerm);
        Assert.Equal(11, log.FirstIndex);
        Assert.Equal(0, log.Count);
    }

    [Fact]
    public void An_older_InstallSnapshot_changes_nothing()
    {
        // Reference: Raft paper §7 (a snapshot describing a prefix of the log changes nothing); Raft notes, snapshot races
        var log = Compacted(3, 1, 1, 2, 2, 3);

        log.InstallSnapshot(2, 1);
        log.InstallSnapshot(3, 2);

        Assert.Equal(3, log.SnapshotIndex);
        Assert.Equal(2, log.SnapshotTerm);
        Assert.Equal(5, log.LastIndex);
        Assert.Equal(2, log.Count);
    }

    [Fact]
    public void Restore_resets_to_a_snapshot_followed_by_its_suffix()
    {
        // Reference: Raft paper §7 (on restart a server reloads its snapshot, then the log after it)
        var log = new RaftLog();
        log.Append(Entries(1, 1, 1, 1, 1, 1, 1, 1));

        log.Restore(4, 2, Entries(5, 3, 3));

        Assert.Equal(4, log.SnapshotIndex);
        Assert.Equal(2, log.SnapshotTerm);
        Assert.Equal(6, log.LastIndex);
        Assert.Equal(3, log.LastTerm);
        Assert.Equal(2, log.TermAt(4));
        Assert.Null(log.TermAt(3));
        Assert.Equal(5 + 6, log.CommandBytes);
    }

    [Fact]
    public void Restore_refuses_a_suffix_that_does_not_follow_the_snapshot()
    {
        // Reference: Raft paper §5.3 (Log Matching: indices are consecutive), §7
        var log = new RaftLog();

        Assert.Throws<InvalidOperationException>(() => log.Restore(4, 2, Entries(6, 3)));
    }

    [Theory]
    [InlineData(5, 3, true)]   // same last term and index
    [InlineData(6, 3, true)]   // same term, longer
    [InlineData(4, 3, false)]  // same term, shorter
    [InlineData(1, 4, true)]   // newer last term wins however short
    [InlineData(99, 2, false)] // older last term loses however long
    public void IsUpToDate_with_an_empty_log_after_a_snapshot_uses_the_snapshot_term(long lastIndex, long lastTerm, bool expected)
    {
        // Reference: Raft paper §5.4.1 (election restriction) and §7 (lastIncludedTerm stands for the discarded log)
        var log = Compacted(5, 1, 1, 2, 3, 3);
        Assert.Equal(0, log.Count);

        Assert.Equal(expected, log.IsUpToDate(lastIndex, lastTerm));
    }
}
