using AkkaRaft.Actors;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.GroupMembership;

/// <summary>A configuration is in effect from its append, falls back when truncated, and survives in snapshots.</summary>
public sealed class ConfigurationLogTests(ITestOutputHelper output) : MembershipTest(output)
{
    [Fact]
    public async Task A_follower_uses_a_configuration_once_appended_and_falls_back_when_the_entry_is_truncated()
    {
        // Reference: Raft thesis §4.1: a server uses the latest configuration in its log, committed or not, and a log
        // truncation that removes a configuration entry restores the previous one
        NewCluster(6, 5);
        var l = await Leader();
        await Commit(l, 1, 5);
        var learnerAdded = await Changed(Cluster.AddLearnerRequest(5));
        await Run(TimeSpan.FromMilliseconds(300));
        var others = Others(5, l);
        var f = others[0];
        var rest = others.Skip(1).ToArray();
        Cut(l, [.. rest, 5]);
        Cluster.Network.SetLink(f, l, false); // f holds the promotion; the leader never learns it, so it cannot commit

        _ = Cluster.Peer(l)!.Ask<object>(new PromoteLearner("n6"), TimeSpan.FromSeconds(60));
        await RunUntil(async () => (await MembersOf(f)).IsVoter("n6"), TimeSpan.FromSeconds(1), "the follower holds the promotion");
        var appended = await MembersOf(f);
        Assert.False(appended.Committed);
        Assert.True(appended.ConfigurationIndex > learnerAdded.Index);
        Assert.Equal(6, appended.List.Count(m => m.IsVoter)); // in effect before it commits

        Cluster.Disconnect(l);
        Cluster.Disconnect(f);
        HealLinks(6);
        var m = await Leader(among: rest);
        await Commit(m, 2, 3); // the new leader's entries take the promotion's place
        Cluster.Connect(f);
        await RunUntil(async () => (await Cluster.GetState(f))!.LeaderId == RaftCluster.Id(m) && (await MembersOf(f)).IsLearner("n6"),
            TimeSpan.FromSeconds(3), "the follower truncated the promotion");
        var back = await MembersOf(f);
        Assert.Equal((learnerAdded.Index, 5), (back.ConfigurationIndex, back.List.Count(x => x.IsVoter)));
    }

    [Fact]
    public async Task A_peer_restarted_from_a_snapshot_recovers_the_changed_configuration_not_its_bootstrap_members()
    {
        // Reference: Raft thesis §5.4.1 (with §4): a snapshot carries the latest configuration it covers
        NewCluster(4, 3, snapshotEvery: 5);
        var l = await Leader();
        await Commit(l, 1, 3);
        var added = await Changed(Cluster.AddVoterRequest(3));
        var value = 10;
        long last;
        do last = await Commit(l, value++, 4);
        while (last < added.Index + 6);
        var p = Others(3, l)[0];
        await RunUntil(async () => (await Cluster.GetState(p))!.SnapshotIndex >= added.Index, TimeSpan.FromSeconds(2), "a snapshot covers the change");

        await Cluster.Crash(p);
        Cluster.Start(p); // left disconnected: what it knows comes from its own journal and snapshot
        await Cluster.Settle();

        var recovered = await MembersOf(p);
        Assert.Equal(added.Index, recovered.ConfigurationIndex);
        Assert.True(recovered.IsVoter("n4"));
        Assert.Equal(4, recovered.List.Count(x => x.IsVoter));
        Assert.True((await Cluster.GetState(p))!.SnapshotIndex >= added.Index);
    }

    [Fact]
    public async Task A_server_added_after_the_log_was_compacted_catches_up_by_snapshot_and_becomes_a_voter()
    {
        // Reference: Raft §7 and thesis §4.2.1: a new server whose entries are compacted away receives a snapshot first
        NewCluster(4, 3, snapshotEvery: 5);
        var l = await Leader();
        long last = 0;
        for (var v = 1; v <= 12; v++) last = await Commit(l, v, 3);
        await RunUntil(async () => (await Cluster.GetState(l))!.SnapshotIndex >= 10, TimeSpan.FromSeconds(2), "the leader compacted its log");

        var added = await Changed(Cluster.AddVoterRequest(3));

        Assert.True(added.Members.IsVoter("n4"));
        await RunUntil(() => Task.FromResult(Cluster.NCommitted(last).Count == 4), TimeSpan.FromSeconds(2), "n4 holds the compacted entries");
        var state = (await Cluster.GetState(3))!;
        Assert.True(state.SnapshotIndex >= 10, $"n4 should have installed a snapshot, holds one up to {state.SnapshotIndex}");
        Assert.True(state.IsMember);
        Assert.Equal(added.Index, (await MembersOf(3)).ConfigurationIndex);
        Cluster.ThrowIfApplyErrors();
    }
}
