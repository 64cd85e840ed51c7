using AkkaRaft.Actors.Core;
using static AkkaRaft.Tests.Core.MembershipTests;

namespace AkkaRaft.Tests.Core;

/// <summary>
/// Which configuration is in effect at each point of the log (<see cref="MembershipLog"/>): bootstrap C0 = {n1, n2, n3},
/// then C1 adds learner n4, C2 promotes it, C3 removes n1.
/// </summary>
public sealed class MembershipLogTests
{
    private static readonly Membership C0 = Of(["n1", "n2", "n3"]);
    private static readonly Membership C1 = Of(["n1", "n2", "n3"], "n4");
    private static readonly Membership C2 = Of(["n1", "n2", "n3", "n4"]);
    private static readonly Membership C3 = Of(["n2", "n3", "n4"]);

    private static ConfigurationEntry E(long index, Membership membership) => new(index, membership);

    [Fact]
    public void A_configuration_takes_effect_when_appended_not_when_committed()
    {
        // Reference: Raft thesis §4.1 ("a server always uses the latest configuration in its log, regardless of whether
        // the entry is committed")
        var history = new MembershipLog(C0);
        Assert.Equal(E(0, C0), history.Latest);
        Assert.False(history.ChangeInProgress);

        history.Appended(5, C1);

        Assert.Equal(E(5, C1), history.Latest);
        Assert.Equal(E(0, C0), history.Committed);
        Assert.True(history.ChangeInProgress);
    }

    [Fact]
    public void Commit_makes_a_configuration_committed_and_says_when_a_newer_one_did()
    {
        // Reference: Raft thesis §4.1 (a change is complete once its entry commits), §4.2.2 (a removed leader steps down
        // then, so it needs to hear of that commit)
        var history = new MembershipLog(C0);
        history.Appended(5, C1);

        Assert.False(history.CommittedTo(4));
        Assert.Equal(E(0, C0), history.Committed);
        Assert.True(history.CommittedTo(6));
        Assert.Equal(E(5, C1), history.Committed);
        Assert.False(history.ChangeInProgress);
        Assert.False(history.CommittedTo(3)); // the commit index never moves backward
        Assert.Equal(6, history.CommitIndex);
    }

    [Fact]
    public void Truncating_an_uncommitted_configuration_puts_the_one_before_it_back_in_effect()
    {
        // Reference: Raft thesis §4.1 ("if a log entry is removed, a server may need to fall back to the previous
        // configuration in its log")
        var history = new MembershipLog(C0);
        history.Appended(5, C1);
        history.CommittedTo(5);
        history.Appended(8, C2);
        history.Appended(9, C3); // only as a follower's log can look, from several leaders: never two changes from one

        Assert.False(history.TruncatedFrom(10)); // no configuration there
        Assert.Equal(E(9, C3), history.Latest);
        Assert.True(history.TruncatedFrom(9));
        Assert.Equal(E(8, C2), history.Latest);
        Assert.True(history.TruncatedFrom(6));
        Assert.Equal(E(5, C1), history.Latest);
        Assert.False(history.ChangeInProgress);
    }

    [Fact]
    public void A_truncation_back_to_bootstrap_restores_the_bootstrap_configuration()
    {
        // Reference: Raft thesis §4.1 (fall back to the previous configuration, here the initial one)
        var history = new MembershipLog(C0);
        history.Appended(1, C1);

        Assert.True(history.TruncatedFrom(1));
        Assert.Equal(E(0, C0), history.Latest);
    }

    [Fact]
    public void A_committed_configuration_is_never_truncated()
    {
        // Reference: Raft paper §5.4 (committed entries are never removed); a truncation there is a bug to surface
        var history = new MembershipLog(C0);
        history.Appended(5, C1);
        history.CommittedTo(5);

        Assert.Throws<InvalidOperationException>(() => history.TruncatedFrom(5));
        Assert.Equal(E(5, C1), history.Latest);
    }

    [Theory]
    [InlineData(5)] // the index of the latest configuration
    [InlineData(3)] // before it
    [InlineData(7)] // at or below the commit index
    public void A_configuration_entry_must_come_after_the_latest_and_the_commit_index(long index)
    {
        // Reference: Raft paper §5.3 (entries are appended at the end of the log, after every committed one)
        var history = new MembershipLog(C0);
        history.Appended(5, C1);
        history.CommittedTo(7);

        Assert.Throws<ArgumentOutOfRangeException>(() => history.Appended(index, C2));
    }

    [Fact]
    public void Compaction_keeps_the_configuration_in_effect_at_the_snapshot_and_everything_after_it()
    {
        // Reference: Raft thesis §5.1 (the snapshot holds "the latest configuration as of the last included index";
        // the entries after it stay in the log)
        var history = new MembershipLog(C0);
        history.Appended(5, C1);
        history.Appended(8, C2);
        history.Appended(12, C3);
        history.CommittedTo(10);
        Assert.Equal(4, history.Held);

        // A snapshot at the applied index 7, behind the commit index: it must carry C1, not C2.
        Assert.Equal(E(5, C1), history.At(7));
        history.Compacted(7);

        Assert.Equal(3, history.Held); // C1 and the two after it
        Assert.Equal(E(5, C1), history.At(7));
        Assert.Equal(E(8, C2), history.Committed);
        Assert.Equal(E(12, C3), history.Latest);
        Assert.Throws<ArgumentOutOfRangeException>(() => history.At(6)); // compacted
        Assert.True(history.TruncatedFrom(11)); // the entries after the snapshot still roll back
        Assert.Equal(E(8, C2), history.Latest);
    }

    [Fact]
    public void Only_committed_entries_are_compacted_and_an_older_compaction_changes_nothing()
    {
        // Reference: Raft paper §7 (a snapshot covers only committed entries, which the state machine applied)
        var history = new MembershipLog(C0);
        history.Appended(5, C1);
        history.CommittedTo(6);

        Assert.Throws<ArgumentOutOfRangeException>(() => history.Compacted(7));
        history.Compacted(6);
        history.Compacted(2);
        Assert.Equal((6L, 1), (history.SnapshotIndex, history.Held));
        Assert.Equal(E(5, C1), history.Latest);
    }

    [Fact]
    public void Recovery_from_a_snapshot_keeps_the_configuration_and_the_index_that_created_it()
    {
        // Reference: Raft thesis §5.1 (the snapshot carries the latest configuration as of its last included index), §4.1
        // (a compare-and-set change names that index, so it must survive a restart)
        var history = MembershipLog.FromSnapshot(20, E(12, C3));

        Assert.Equal(E(12, C3), history.Latest);
        Assert.Equal(E(12, C3), history.Committed);
        Assert.Equal((20L, 20L), (history.SnapshotIndex, history.CommitIndex));
        Assert.False(history.ChangeInProgress);
        var (_, refusal) = MembershipChanges.Apply(history.Latest.Membership, history.Latest.Index, new RemoveMemberChange("n4", ExpectedIndex: 12));
        Assert.Null(refusal);

        history.Appended(21, C2); // the log's entries after the snapshot replay on top of it
        Assert.Equal(E(21, C2), history.Latest);
        Assert.Equal(E(12, C3), history.Committed);
    }

    [Fact]
    public void An_installed_snapshot_replaces_the_history_and_keeps_later_configurations_only_with_the_log_suffix()
    {
        // Reference: Raft paper §7 / Figure 13 (keep the log after the snapshot when it holds the snapshot's last entry,
        // else discard the whole log), Raft thesis §5.1 (the snapshot's configuration)
        MembershipLog Follower()
        {
            var history = new MembershipLog(C0);
            history.Appended(5, C1);
            history.Appended(15, C3);
            history.CommittedTo(4);
            return history;
        }

        var kept = Follower();
        Assert.True(kept.Restored(10, E(8, C2), logKeptSuffix: true));
        Assert.Equal(E(15, C3), kept.Latest);
        Assert.Equal(E(8, C2), kept.Committed);
        Assert.Equal((10L, 10L), (kept.SnapshotIndex, kept.CommitIndex));
        Assert.True(kept.TruncatedFrom(11));
        Assert.Equal(E(8, C2), kept.Latest);

        var discarded = Follower();
        Assert.True(discarded.Restored(10, E(8, C2), logKeptSuffix: false));
        Assert.Equal(E(8, C2), discarded.Latest);
        Assert.Equal(1, discarded.Held);
    }

    [Fact]
    public void A_snapshot_older_than_the_one_held_changes_nothing()
    {
        // Reference: Raft paper §7 (a stale InstallSnapshot must not undo what a newer snapshot holds)
        var history = MembershipLog.FromSnapshot(20, E(12, C3));

        Assert.False(history.Restored(10, E(5, C1), logKeptSuffix: false));
        Assert.Equal(E(12, C3), history.Latest);
        Assert.Equal(20, history.SnapshotIndex);
    }

    [Theory]
    [InlineData(10, 11)] // created after the snapshot's last entry
    [InlineData(10, -1)]
    public void A_snapshot_carries_only_a_configuration_created_at_or_before_its_last_entry(long snapshotIndex, long configurationIndex)
    {
        // Reference: Raft thesis §5.1 (the latest configuration as of the last included index)
        Assert.Throws<ArgumentOutOfRangeException>(() => MembershipLog.FromSnapshot(snapshotIndex, E(configurationIndex, C1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MembershipLog(C0).Restored(snapshotIndex, E(configurationIndex, C1), true));
    }
}
