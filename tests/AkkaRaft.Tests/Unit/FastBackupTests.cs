using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Unit;

/// <summary>The conflict hint of a refused AppendEntries, on the follower's and on the leader's side.</summary>
public sealed class FastBackupTests
{
    private static RaftLog LogWithTerms(params long[] terms)
    {
        var log = new RaftLog();
        log.Append(terms.Select((t, i) => new LogEntry(i + 1, t, Array.Empty<byte>())));
        return log;
    }

    private static AppendEntriesResult Rejection(long rejectedPrev, long conflictTerm, long conflictIndex) =>
        new("akkaraft", "n2", 5, false, 0, rejectedPrev, conflictTerm, conflictIndex);

    [Fact]
    public void Follower_with_a_shorter_log_names_no_term_and_its_next_index()
    {
        // Reference: Raft paper §5.3 (end); the follower has no entry at prevLogIndex
        var follower = LogWithTerms(1, 1, 2);

        var (conflictTerm, conflictIndex) = FastBackup.Hint(follower, prevLogIndex: 7);

        Assert.Equal(0, conflictTerm);
        Assert.Equal(4, conflictIndex);
    }

    [Fact]
    public void Follower_with_a_conflicting_entry_names_its_term_and_the_first_index_of_that_term()
    {
        // Reference: Raft paper §5.3 (end): "the term of the conflicting entry and the first index it stores for that term"
        var follower = LogWithTerms(1, 1, 2, 2, 2, 3);

        var (conflictTerm, conflictIndex) = FastBackup.Hint(follower, prevLogIndex: 5);

        Assert.Equal(2, conflictTerm);
        Assert.Equal(3, conflictIndex);
    }

    [Fact]
    public void Leader_resumes_at_the_follower_next_index_when_the_follower_log_is_shorter()
    {
        // Reference: Raft paper §5.3 (end)
        var leader = LogWithTerms(1, 1, 2, 2, 2, 3);

        var next = FastBackup.NextIndex(leader, Rejection(rejectedPrev: 6, conflictTerm: 0, conflictIndex: 4));

        Assert.Equal(4, next);
    }

    [Fact]
    public void Leader_that_has_the_conflicting_term_resumes_after_its_last_entry_of_that_term()
    {
        // Reference: Raft paper §5.3 (end); the logs may agree up to the leader's last entry of that term
        var leader = LogWithTerms(1, 1, 2, 2, 4, 4);

        var next = FastBackup.NextIndex(leader, Rejection(rejectedPrev: 6, conflictTerm: 2, conflictIndex: 3));

        Assert.Equal(5, next);
    }

    [Fact]
    public void Leader_that_lacks_the_conflicting_term_skips_the_follower_whole_term()
    {
        // Reference: Raft paper §5.3 (end)
        var leader = LogWithTerms(1, 1, 4, 4, 4, 4);

        var next = FastBackup.NextIndex(leader, Rejection(rejectedPrev: 6, conflictTerm: 2, conflictIndex: 3));

        Assert.Equal(3, next);
    }
}
