using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Persistence;

namespace AkkaRaft.Tests.Core;

/// <summary>Figure 2's AppendEntries receiver as a plain rule: a log and a message in, a decision out.</summary>
public sealed class AppendRulesTests
{
    private static RaftLog Log(params long[] terms) => Logs.Of(terms);

    private static LogEntry[] Entries(long first, params long[] terms) => Logs.Entries(first, terms);

    private static AppendEntries Append(long term, long prevIndex, long prevTerm, params LogEntry[] entries) =>
        new("c", "n2", term, prevIndex, prevTerm, entries, 0);

    [Fact]
    public void A_log_without_the_previous_entry_refuses_with_the_fast_backup_hint()
    {
        // Reference: Raft paper Figure 2 (AppendEntries receiver step 2), §5.3 (the conflicting term and its first index)
        var decision = AppendRules.Decide(Log(1, 1, 2, 2), 0, Append(3, 4, 3, Entries(5, 3)));

        Assert.Equal(new AppendDecision.Mismatch(2, 3), decision);
    }

    [Fact]
    public void Entries_past_the_end_are_appended_and_acknowledged_up_to_the_last_one()
    {
        // Reference: Raft paper Figure 2 (step 4: append any new entries not already in the log)
        var decision = Assert.IsType<AppendDecision.Matches>(AppendRules.Decide(Log(1, 1), 0, Append(2, 2, 1, Entries(3, 2, 2))));

        var appended = Assert.IsType<EntriesAppended>(Assert.Single(decision.Events));
        Assert.Equal(new long[] { 3, 4 }, appended.Entries.Select(e => e.Index));
        Assert.Equal(4, decision.MatchIndex);
    }

    [Fact]
    public void A_stale_message_whose_entries_the_log_holds_changes_nothing()
    {
        // Reference: Raft paper §5.3; Students' Guide to Raft (never truncate on a stale or duplicated AppendEntries)
        var decision = Assert.IsType<AppendDecision.Matches>(AppendRules.Decide(Log(1, 1, 2, 2), 0, Append(2, 1, 1, Entries(2, 1, 2))));

        Assert.Empty(decision.Events);
        Assert.Equal(3, decision.MatchIndex);
    }

    [Fact]
    public void A_conflicting_entry_truncates_the_log_from_it_before_the_append()
    {
        // Reference: Raft paper Figure 2 (step 3: an existing entry that conflicts is deleted with all that follow it)
        var decision = Assert.IsType<AppendDecision.Matches>(AppendRules.Decide(Log(1, 1, 2, 2), 1, Append(3, 2, 1, Entries(3, 3))));

        Assert.Equal(new LogTruncated(3), decision.Events[0]);
        Assert.Equal(new long[] { 3 }, Assert.IsType<EntriesAppended>(decision.Events[1]).Entries.Select(e => e.Index));
        Assert.Equal(3, decision.MatchIndex);
    }

    [Fact]
    public void A_truncation_of_a_committed_entry_is_refused()
    {
        // Reference: Raft paper §5.4 (Leader Completeness: no leader lacks a committed entry, so none asks to remove one);
        // acting on such a message would lose a committed entry
        var decision = AppendRules.Decide(Log(1, 1, 2, 2), 3, Append(3, 2, 1, Entries(3, 3)));

        Assert.IsType<AppendDecision.Contradicts>(decision);
    }

    [Fact]
    public void Entries_that_disagree_with_the_snapshot_are_refused()
    {
        // Reference: Raft paper §7 (the snapshot's last included entry is committed), §5.4
        var log = Log(1, 1, 2, 2);
        log.CompactTo(3);

        Assert.IsType<AppendDecision.Contradicts>(AppendRules.Decide(log, 3, Append(3, 2, 1, Entries(3, 1, 3))));
        var agreeing = Assert.IsType<AppendDecision.Matches>(AppendRules.Decide(log, 3, Append(3, 2, 1, Entries(3, 2, 2, 3))));
        Assert.Equal(5, agreeing.MatchIndex);
    }
}
