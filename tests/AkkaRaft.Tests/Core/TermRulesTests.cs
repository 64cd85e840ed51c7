using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Persistence;

namespace AkkaRaft.Tests.Core;

/// <summary>Messages of another term, whatever the role, as plain rules (<see cref="TermRules"/>). Peer n1 at term 2.</summary>
public sealed class TermRulesTests
{
    private const string ClusterId = "c";

    private static readonly PeerView AtTerm2 = new(ClusterId, "n1", 2, "n1", new RaftLog(), 0);

    [Fact]
    public void A_stale_vote_request_is_refused_with_the_current_term_and_nothing_is_written()
    {
        // Reference: Raft paper §5.1, Figure 2 (reply false if term < currentTerm; the reply carries currentTerm)
        var step = TermRules.AnswerStale(AtTerm2, new RequestVote(ClusterId, "n3", 1, 0, 0));

        Assert.Equal(("n3", (IRaftMessage?)new RequestVoteResult(ClusterId, "n1", 2, false)), (step.To, step.Message));
        Assert.Empty(step.Events);
        Assert.Equal(StepWrite.None, step.Write);
        Assert.False(step.ResetElectionTimer);
    }

    [Fact]
    public void A_stale_append_entries_is_refused_with_the_current_term_and_nothing_is_written()
    {
        // Reference: Raft paper §5.1, Figure 2 (AppendEntries receiver step 1); a stale leader recognises no one here
        var step = TermRules.AnswerStale(AtTerm2, new AppendEntries(ClusterId, "n2", 1, 3, 1, [], 0));

        Assert.Equal(("n2", (IRaftMessage?)new AppendEntriesResult(ClusterId, "n1", 2, false, 0, 3, 0, 0)), (step.To, step.Message));
        Assert.Empty(step.Events);
        Assert.Equal(StepWrite.None, step.Write);
        Assert.Null(step.Leader);
    }

    [Fact]
    public void A_stale_snapshot_chunk_is_refused_with_the_current_term()
    {
        // Reference: Raft paper Figure 13 (InstallSnapshot receiver step 1: reply immediately if term < currentTerm)
        var step = TermRules.AnswerStale(AtTerm2, new InstallSnapshot(ClusterId, "n2", 1, 7, 1, 0, [1], false));

        Assert.Equal(new InstallSnapshotResult(ClusterId, "n1", 2, 7, 0, false), step.Message);
        Assert.Empty(step.Events);
    }

    [Fact]
    public void A_stale_answer_is_late_and_dropped_silently()
    {
        // Reference: Raft paper §5.1 (stale responses are ignored)
        var step = TermRules.AnswerStale(AtTerm2, new RequestVoteResult(ClusterId, "n2", 1, true));

        Assert.Null(step.Message);
        Assert.Empty(step.Events);
    }

    [Fact]
    public void A_newer_term_is_a_holding_write_with_no_vote_then_a_follower_handles_the_message()
    {
        // Reference: Raft paper §5.1, Figure 2 (all servers: if an RPC has term T > currentTerm, set currentTerm = T and
        // convert to follower; persistent before responding); Followers: a newer term alone holds off no election
        var request = new RequestVote(ClusterId, "n3", 7, 9, 6);

        var step = TermRules.StepDown(request);

        Assert.Equal(StepWrite.Holding, step.Write);
        Assert.Equal(new HardStateChanged(7, null), Assert.Single(step.Events));
        Assert.Equal(RaftRole.Follower, step.Role);
        Assert.Same(request, step.ThenHandle);
        Assert.Null(step.Message);
        Assert.False(step.ResetElectionTimer);
    }
}
