using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>ReadIndex (Raft thesis §6.4) on virtual time: n1 leads term 1 of {n1, n2, n3}; n2 and n3 are probes.</summary>
public sealed class ReadIndexRulesTests : VirtualTimePeerTest
{
    public ReadIndexRulesTests(ITestOutputHelper output) : base(output) { }

    private static AppendEntriesResult Ack(string from, long match, long round) => new(ClusterId, from, 1, true, match, 0, 0, 0) { Round = round };

    /// <summary>The next AppendEntries n2 receives that satisfies <paramref name="predicate"/>, skipping others.</summary>
    private AppendEntries NextTo(TestProbe probe, Func<AppendEntries, bool> predicate) =>
        (AppendEntries)probe.FishForMessage(m => m is AppendEntries ae && predicate(ae), TimeSpan.FromSeconds(3));

    [Fact]
    public async Task A_new_leader_serves_no_read_before_an_entry_of_its_term_commits()
    {
        // Reference: Raft thesis §6.4, step 1: the leader's commit index is current only once it has committed
        // an entry of its own term, so it first commits a no-op.
        var apply = CreateTestProbe();
        var leader = await StartLeaderAsync(new RaftActorOptions { ApplyTo = apply.Ref });
        leader.Tell(new ReadIndex(7), TestActor);

        var noOp = NextTo(P2, ae => ae.Entries.Count > 0);
        Assert.Equal(1, noOp.Entries[0].Index);
        Assert.Equal(1, noOp.Entries[0].Term);
        Assert.Empty(noOp.Entries[0].Command);
        apply.ExpectNoMsg(Quiet); // nothing committed of term 1 yet: no read

        leader.Tell(Ack("n2", match: 1, round: noOp.Round), P2.Ref);
        apply.ExpectMsg<Applied>(a => a.Index == 1 && a.Command.Length == 0);
        var round = NextTo(P2, ae => ae.Round > noOp.Round).Round;
        leader.Tell(Ack("n2", match: 1, round: round), P2.Ref);
        var ready = apply.ExpectMsg<ReadIndexReady>();
        Assert.Equal(7, ready.RequestId);
        Assert.Equal(1, ready.Index);
    }

    [Fact]
    public async Task A_leader_serves_no_read_before_a_majority_acknowledges_a_round_started_after_it()
    {
        // Reference: Raft thesis §6.4, step 2: a heartbeat round acknowledged by a majority proves it still leads.
        var apply = CreateTestProbe();
        var leader = await StartLeaderAsync(new RaftActorOptions { ApplyTo = apply.Ref });
        leader.Tell(new Propose([42]), TestActor);
        ExpectMsg<ProposeAccepted>();
        var entry = NextTo(P2, ae => ae.Entries.Count > 0);
        leader.Tell(Ack("n2", match: 1, round: entry.Round), P2.Ref);
        apply.ExpectMsg<Applied>(a => a.Index == 1);

        leader.Tell(new ReadIndex(9), TestActor);
        var round = NextTo(P3, ae => ae.Round > entry.Round).Round;
        // An acknowledgement of an older round proves nothing about the time of the read.
        leader.Tell(Ack("n2", match: 1, round: entry.Round), P2.Ref);
        apply.ExpectNoMsg(Quiet);

        leader.Tell(Ack("n3", match: 1, round: round), P3.Ref);
        Assert.Equal(9, apply.ExpectMsg<ReadIndexReady>().RequestId);
    }
}
