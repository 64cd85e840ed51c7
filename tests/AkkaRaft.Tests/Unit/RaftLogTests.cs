using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Unit;

/// <summary>The log as plain data: indices, terms, the consistency check and the election restriction.</summary>
public sealed class RaftLogTests
{
    private static RaftLog LogWithTerms(params long[] terms) => Core.Logs.Of(terms);

    private static LogEntry[] Entries(long firstIndex, params long[] terms) => Core.Logs.Entries(firstIndex, terms);

    private static LogEntry EntryOfSize(long index, long term, int bytes) => new(index, term, new byte[bytes]);

    [Fact]
    public void Empty_log_has_last_index_and_term_zero()
    {
        // Reference: Raft paper Figure 2 (log indices start at 1; index 0 is the empty prefix)
        var log = new RaftLog();

        Assert.Equal(0, log.LastIndex);
        Assert.Equal(0, log.LastTerm);
        Assert.Equal(0, log.TermAt(0));
    }

    [Fact]
    public void Append_extends_the_log_in_index_order()
    {
        // Reference: Raft paper §5.3
        var log = new RaftLog();

        log.Append(Entries(1, 1, 1));
        log.Append(Entries(3, 2));

        Assert.Equal(3, log.LastIndex);
        Assert.Equal(2, log.LastTerm);
        Assert.Equal(new long[] { 1, 1, 2 }, new[] { log[1].Term, log[2].Term, log[3].Term });
        Assert.Equal(new byte[] { 3 }, log[3].Command);
    }

    [Fact]
    public void TermAt_is_the_entry_term_and_null_beyond_the_end()
    {
        // Reference: Raft paper §5.3
        var log = LogWithTerms(1, 2, 2);

        Assert.Equal(1, log.TermAt(1));
        Assert.Equal(2, log.TermAt(3));
        Assert.Null(log.TermAt(4));
    }

    [Fact]
    public void Append_refuses_an_entry_that_skips_an_index()
    {
        // Reference: Raft paper §5.3 (Log Matching needs a log without holes)
        var log = LogWithTerms(1, 1);

        Assert.Throws<InvalidOperationException>(() => log.Append(Entries(4, 1)));
        Assert.Equal(2, log.LastIndex);
    }

    [Fact]
    public void Append_refuses_an_entry_that_repeats_an_index()
    {
        // Reference: Raft paper §5.3
        var log = LogWithTerms(1, 1);

        Assert.Throws<InvalidOperationException>(() => log.Append(Entries(2, 1)));
        Assert.Equal(2, log.LastIndex);
    }

    [Fact]
    public void Append_refuses_an_entry_with_an_older_term_than_the_last()
    {
        // Reference: Raft paper §5.3 (terms never decrease along a log)
        var log = LogWithTerms(1, 3);

        Assert.Throws<InvalidOperationException>(() => log.Append(Entries(3, 2)));
        Assert.Equal(3, log.LastTerm);
    }

    [Fact]
    public void Matches_only_an_entry_with_the_same_index_and_term()
    {
        // Reference: Raft paper §5.3 (AppendEntries consistency check)
        var log = LogWithTerms(1, 2);

        Assert.True(log.Matches(0, 0));
        Assert.True(log.Matches(2, 2));
        Assert.False(log.Matches(2, 1));
        Assert.False(log.Matches(3, 2));
    }

    [Theory]
    [InlineData(2, 3, true)]  // higher last term wins even with a shorter log
    [InlineData(5, 2, true)]  // same last term, same length
    [InlineData(6, 2, true)]  // same last term, longer
    [InlineData(4, 2, false)] // same last term, shorter
    [InlineData(9, 1, false)] // lower last term loses even with a longer log
    public void IsUpToDate_compares_last_terms_then_lengths(long lastIndex, long lastTerm, bool expected)
    {
        // Reference: Raft paper §5.4.1
        var log = LogWithTerms(1, 1, 2, 2, 2);

        Assert.Equal(expected, log.IsUpToDate(lastIndex, lastTerm));
    }

    [Fact]
    public void FindConflict_is_null_for_entries_the_log_already_holds()
    {
        // Reference: Raft paper §5.3; Students' Guide to Raft (a stale AppendEntries must not truncate)
        var log = LogWithTerms(1, 1, 2);

        Assert.Null(log.FindConflict(Entries(1, 1, 1)));       // a stale prefix
        Assert.Null(log.FindConflict(Entries(1, 1, 1, 2)));    // a duplicate
        Assert.Null(log.FindConflict(Array.Empty<LogEntry>())); // a heartbeat
    }

    [Fact]
    public void FindConflict_is_the_first_index_with_another_term()
    {
        // Reference: Raft paper Figure 2, AppendEntries receiver step 3
        var log = LogWithTerms(1, 1, 1, 1);

        Assert.Equal(3, log.FindConflict(Entries(2, 1, 2, 2)));
    }

    [Fact]
    public void FindConflict_is_the_first_missing_index()
    {
        // Reference: Raft paper Figure 2, AppendEntries receiver step 4
        var log = LogWithTerms(1, 1);

        Assert.Equal(3, log.FindConflict(Entries(2, 1, 1, 2)));
    }

    [Fact]
    public void TruncateFrom_removes_that_index_and_everything_after()
    {
        // Reference: Raft paper Figure 2, AppendEntries receiver step 3
        var log = LogWithTerms(1, 1, 2, 2);

        log.TruncateFrom(3);

        Assert.Equal(2, log.LastIndex);
        Assert.Equal(1, log.LastTerm);
        Assert.Null(log.TermAt(3));
        log.Append(Entries(3, 3)); // the log continues from the cut
        Assert.Equal(3, log.TermAt(3));
    }

    [Fact]
    public void TruncateFrom_beyond_the_end_changes_nothing()
    {
        // Reference: Raft paper §5.3
        var log = LogWithTerms(1, 1);

        log.TruncateFrom(3);

        Assert.Equal(2, log.LastIndex);
    }

    [Fact]
    public void Slice_stops_at_the_entry_count_limit()
    {
        // Reference: Raft thesis §10.2.1 (batching bounded by message size)
        var log = LogWithTerms(1, 1, 1, 1, 1);

        var slice = log.Slice(2, maxCount: 3, maxBytes: 1024);

        Assert.Equal(new long[] { 2, 3, 4 }, slice.Select(e => e.Index));
    }

    [Fact]
    public void Slice_stops_before_the_byte_limit_is_exceeded()
    {
        // Reference: Raft thesis §10.2.1
        var log = new RaftLog();
        log.Append(new[] { EntryOfSize(1, 1, 40), EntryOfSize(2, 1, 40), EntryOfSize(3, 1, 40) });

        Assert.Equal(new long[] { 1, 2 }, log.Slice(1, maxCount: 10, maxBytes: 80).Select(e => e.Index));
        Assert.Equal(new long[] { 1 }, log.Slice(1, maxCount: 10, maxBytes: 79).Select(e => e.Index));
    }

    [Fact]
    public void Slice_carries_one_entry_even_when_it_alone_exceeds_the_byte_limit()
    {
        // Reference: Raft thesis §10.2.1 (an oversized entry still travels, alone)
        var log = new RaftLog();
        log.Append(new[] { EntryOfSize(1, 1, 500), EntryOfSize(2, 1, 1) });

        var slice = log.Slice(1, maxCount: 10, maxBytes: 100);

        Assert.Equal(new long[] { 1 }, slice.Select(e => e.Index));
    }

    [Fact]
    public void Slice_beyond_the_end_is_empty()
    {
        // Reference: Raft paper §5.3
        var log = LogWithTerms(1, 1);

        Assert.Empty(log.Slice(3, maxCount: 10, maxBytes: 1024));
    }

    [Fact]
    public void LastIndexOfTerm_finds_the_last_entry_of_a_term_or_null()
    {
        // Reference: Raft paper §5.3 (fast backup, the leader's side)
        var log = LogWithTerms(1, 1, 3, 3, 5);

        Assert.Equal(2, log.LastIndexOfTerm(1));
        Assert.Equal(4, log.LastIndexOfTerm(3));
        Assert.Equal(5, log.LastIndexOfTerm(5));
        Assert.Null(log.LastIndexOfTerm(2));
        Assert.Null(log.LastIndexOfTerm(6));
    }

    [Fact]
    public void FirstIndexOfTermEndingAt_walks_back_to_the_start_of_the_run()
    {
        // Reference: Raft paper §5.3 (fast backup, the follower's side)
        var log = LogWithTerms(1, 1, 3, 3, 3, 5);

        Assert.Equal(3, log.FirstIndexOfTermEndingAt(5));
        Assert.Equal(3, log.FirstIndexOfTermEndingAt(4));
        Assert.Equal(1, log.FirstIndexOfTermEndingAt(2));
        Assert.Equal(6, log.FirstIndexOfTermEndingAt(6));
    }
}
