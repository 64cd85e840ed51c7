using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Persistence;

namespace AkkaRaft.Tests.Core;

/// <summary>
/// A follower's whole answer to AppendEntries as a plain rule (<see cref="AppendRules.Answer"/>): what it writes and how,
/// then what it sends and commits once that is durable. Peer n1, leaders n2 and n3.
/// </summary>
public sealed class AppendAnswerTests
{
    private const string ClusterId = "c";

    private static RaftLog Log(params long[] terms) => Logs.Of(terms);

    private static LogEntry[] Entries(long first, params long[] terms) => Logs.Entries(first, terms);

    private static PeerView Peer(RaftLog log, long term, long commitIndex = 0) => new(ClusterId, "n1", term, null, log, commitIndex);

    private static AppendEntries Append(string from, long term, long prevIndex, long prevTerm, LogEntry[] entries, long leaderCommit = 0) =>
        new(ClusterId, from, term, prevIndex, prevTerm, entries, leaderCommit) { Round = 4 };

    private static AppendEntriesResult Ack(long term, long matchIndex) => new(ClusterId, "n1", term, true, matchIndex, 0, 0, 0) { Round = 4 };

    private static AppendEntriesResult Refusal(long term, long rejectedPrev, long conflictTerm, long conflictIndex) =>
        new(ClusterId, "n1", term, false, 0, rejectedPrev, conflictTerm, conflictIndex) { Round = 4 };

    [Fact]
    public void Matching_entries_past_the_end_are_one_pipelined_append_acknowledged_after_it_with_the_messages_term()
    {
        // Reference: Raft paper Figure 2 (receiver step 4 and the success reply; entries durable before responding),
        // Raft thesis §10.2.1 (appends are written in parallel with other work)
        var step = AppendRules.Answer(Peer(Log(1, 1), term: 1), Append("n2", term: 1, 2, 1, Entries(3, 1)));

        Assert.Equal(StepWrite.Pipelined, step.Write);
        var appended = Assert.IsType<EntriesAppended>(Assert.Single(step.Events));
        Assert.Equal(new long[] { 3 }, appended.Entries.Select(e => e.Index));
        Assert.Equal(("n2", (IRaftMessage?)Ack(1, 3)), (step.To, step.Message));
        Assert.Equal("n2", step.Leader);
        Assert.False(step.ResetElectionTimer); // recognising the leader did, at once, before the write
    }

    [Fact]
    public void A_conflicting_suffix_is_truncated_by_a_holding_write_then_acknowledged()
    {
        // Reference: Raft paper Figure 2 (receiver step 3: delete the conflicting entry and all that follow it)
        var step = AppendRules.Answer(Peer(Log(1, 1, 1, 1), term: 2), Append("n3", term: 2, 1, 1, Entries(2, 1, 2), leaderCommit: 3));

        Assert.Equal(StepWrite.Holding, step.Write);
        Assert.Equal(new LogTruncated(3), step.Events[0]);
        Assert.Equal(new long[] { 3 }, Assert.IsType<EntriesAppended>(step.Events[1]).Entries.Select(e => e.Index));
        Assert.Equal(Ack(2, 3), step.Message);
        Assert.Equal(3, step.CommitTo);
    }

    [Fact]
    public void A_stale_message_whose_entries_the_log_holds_writes_nothing_and_answers_after_earlier_writes()
    {
        // Reference: Raft paper Figure 2 (step 3 deletes only on a conflict); Students' Guide to Raft (a delayed
        // AppendEntries must not truncate). The match may rest on entries still being written: the answer waits for them.
        var step = AppendRules.Answer(Peer(Log(1, 1, 1), term: 1), Append("n2", term: 1, 0, 0, Entries(1, 1, 1)));

        Assert.Empty(step.Events);
        Assert.Equal(StepWrite.AfterEarlierWrites, step.Write);
        Assert.Equal(Ack(1, 2), step.Message);
    }

    [Fact]
    public void Acknowledgement_claims_only_what_the_message_proves()
    {
        // Reference: Raft paper §5.3 (a success proves the logs match through the last entry the message carried, not
        // beyond it: the follower's later entries may still be the old leader's)
        var step = AppendRules.Answer(Peer(Log(1, 1, 1), term: 2), Append("n3", term: 2, 1, 1, []));

        Assert.Equal(Ack(2, 1), step.Message);
        Assert.Equal(StepWrite.AfterEarlierWrites, step.Write);
    }

    [Theory]
    [InlineData(9, 1, 1)] // the leader has committed more than the message proves
    [InlineData(9, 3, 3)]
    [InlineData(2, 3, 2)] // the message proves more than the leader has committed
    public void Commit_advances_to_the_leaders_commit_but_not_past_the_last_new_entry(long leaderCommit, long prevIndex, long expected)
    {
        // Reference: Raft paper Figure 2 (receiver step 5: commitIndex = min(leaderCommit, index of last new entry))
        var step = AppendRules.Answer(Peer(Log(1, 1, 1), term: 1), Append("n2", term: 1, prevIndex, 1, [], leaderCommit));

        Assert.Equal(expected, step.CommitTo);
    }

    [Fact]
    public void News_of_the_commit_index_that_matches_commits_without_an_answer()
    {
        // Reference: Raft paper Figure 2 (receiver step 5 still applies; the leader asked for no success answer)
        var step = AppendRules.Answer(Peer(Log(1), term: 1), Append("n2", term: 1, 1, 1, [], leaderCommit: 1) with { AnswerSuccess = false });

        Assert.Null(step.Message);
        Assert.Equal(1, step.CommitTo);
        Assert.Equal("n2", step.Leader);
    }

    [Fact]
    public void A_previous_index_beyond_the_log_is_refused_at_once_with_the_fast_backup_hint()
    {
        // Reference: Raft paper Figure 2 (receiver step 2), §5.3 fast backup: no entry there, so the hint is the log's end
        var step = AppendRules.Answer(Peer(Log(1, 1), term: 1), Append("n2", term: 1, 5, 1, Entries(6, 1)));

        Assert.Equal(Refusal(1, rejectedPrev: 5, conflictTerm: 0, conflictIndex: 3), step.Message);
        Assert.Equal(StepWrite.None, step.Write);
        Assert.Empty(step.Events);
        Assert.Equal("n2", step.Leader); // a leader of this term, though its log differs
    }

    [Fact]
    public void A_previous_entry_of_another_term_is_refused_with_the_conflicting_term_and_its_first_index()
    {
        // Reference: Raft paper Figure 2 (receiver step 2), §5.3 fast backup
        var step = AppendRules.Answer(Peer(Log(1, 1, 2, 2), term: 3), Append("n3", term: 3, 4, 3, Entries(5, 3)));

        Assert.Equal(Refusal(3, rejectedPrev: 4, conflictTerm: 2, conflictIndex: 3), step.Message);
        Assert.Equal(("n3", "n3"), (step.To, step.Leader));
        Assert.Equal(StepWrite.None, step.Write);
        Assert.Equal(0, step.CommitTo);
    }

    [Fact]
    public void News_of_the_commit_index_that_does_not_match_is_refused_and_commits_nothing()
    {
        // Reference: Raft paper Figure 2 (receiver step 2): a mismatch is always answered, so the leader backs up (§5.3)
        var step = AppendRules.Answer(Peer(Log(1), term: 1), Append("n2", term: 1, 3, 1, [], leaderCommit: 3) with { AnswerSuccess = false });

        Assert.Equal(Refusal(1, rejectedPrev: 3, conflictTerm: 0, conflictIndex: 2), step.Message);
        Assert.Equal(0, step.CommitTo);
    }

    [Fact]
    public void A_message_that_would_truncate_a_committed_entry_is_dropped_and_recognises_no_leader()
    {
        // Reference: Raft paper §5.4 (Leader Completeness: no correct leader asks to remove a committed entry)
        var step = AppendRules.Answer(Peer(Log(1, 1, 2, 2), term: 3, commitIndex: 3), Append("n2", term: 3, 2, 1, Entries(3, 3)));

        Assert.NotNull(step.Problem);
        Assert.Null(step.Leader);
        Assert.Null(step.Message);
        Assert.Empty(step.Events);
    }

    [Fact]
    public void While_appends_are_written_a_heartbeat_is_answered_at_once_claiming_only_the_durable_entries()
    {
        // Reference: Raft paper Figure 2 (entries durable before responding); etcd answers heartbeats apart from storage.
        // Entries 2 and 3 are still being written: the leader hears now of entry 1, and of the rest from their writes.
        var step = AppendRules.Answer(Peer(Log(1, 1, 1), term: 1), Append("n2", term: 1, 3, 1, [], leaderCommit: 3));

        var (now, later) = AppendRules.AnswerAheadOfWrites(step, durableIndex: 1)!.Value;

        Assert.Equal(Ack(1, 1), now);
        Assert.Null(later.Message);
        Assert.Equal((StepWrite.AfterEarlierWrites, 3L, "n2"), (later.Write, later.CommitTo, later.Leader));
    }

    [Fact]
    public void An_answer_ahead_of_writes_claims_no_more_than_the_message_proves()
    {
        // Reference: Raft paper §5.3 (a success proves the logs match through the message's last entry, not beyond)
        var step = AppendRules.Answer(Peer(Log(1, 1, 1), term: 2), Append("n3", term: 2, 1, 1, []));

        Assert.Equal(Ack(2, 1), AppendRules.AnswerAheadOfWrites(step, durableIndex: 3)!.Value.Now);
    }

    [Fact]
    public void Only_a_success_that_waits_for_earlier_writes_is_answered_ahead_of_them()
    {
        // An append of new entries is acknowledged once they are durable; a refusal and news of the commit index alone
        // never wait; all three are left as they are.
        var append = AppendRules.Answer(Peer(Log(1, 1), term: 1), Append("n2", term: 1, 2, 1, Entries(3, 1)));
        var refusal = AppendRules.Answer(Peer(Log(1), term: 1), Append("n2", term: 1, 3, 1, []));
        var commitNews = AppendRules.Answer(Peer(Log(1, 1), term: 1), Append("n2", term: 1, 2, 1, [], leaderCommit: 2) with { AnswerSuccess = false });

        Assert.Null(AppendRules.AnswerAheadOfWrites(append, durableIndex: 2));
        Assert.Null(AppendRules.AnswerAheadOfWrites(refusal, durableIndex: 1));
        Assert.Null(AppendRules.AnswerAheadOfWrites(commitNews, durableIndex: 2));
    }
}
