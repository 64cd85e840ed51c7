using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>A new leader's empty entry of its own term (Raft thesis §6.4), on one peer driven by probes on virtual time.</summary>
public sealed class LeaderNoOpRulesTests : VirtualTimePeerTest
{
    public LeaderNoOpRulesTests(ITestOutputHelper output) : base(output) { }

    private static RaftSettings WithNoOp() => Settings().WithLeaderNoOp(true);

    /// <summary>n1 holds entries 1 and 2 of term 1 from leader n2, uncommitted, then wins term 2 with n3's vote.</summary>
    private async Task<(IActorRef Peer, TestProbe Applied)> LeaderOverOlderEntriesAsync(RaftSettings settings)
    {
        var applied = CreateTestProbe();
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = applied.Ref }, settings);
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1)), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>(r => r.Success && r.MatchIndex == 2);
        Advance(ElectionTimeout);
        P3.ExpectMsg<RequestVote>(rv => rv.Term == 2);
        peer.Tell(new RequestVoteResult(ClusterId, "n3", 2, true), P3.Ref);
        return (peer, applied);
    }

    [Fact]
    public async Task New_leader_sends_an_empty_entry_of_its_term_at_once()
    {
        // Reference: Raft thesis §6.4 (a leader commits a blank no-op entry at the start of its term)
        var (_, _) = await LeaderOverOlderEntriesAsync(WithNoOp());

        var first = P3.FishForMessage<AppendEntries>(ae => ae.Term == 2, Quiet * 10);
        var noOp = Assert.Single(first.Entries);
        Assert.Equal((3L, 2L, 0), (noOp.Index, noOp.Term, noOp.Command.Length));
    }

    [Fact]
    public async Task The_no_op_commits_the_entries_of_earlier_terms_without_a_client_write()
    {
        // Reference: Raft paper §5.4.2 and Figure 8 (older entries commit only with one of the leader's term); thesis §6.4
        var (peer, applied) = await LeaderOverOlderEntriesAsync(WithNoOp());
        P3.FishForMessage<AppendEntries>(ae => ae.Term == 2 && ae.Entries.Count == 1, Quiet * 10);

        peer.Tell(new AppendEntriesResult(ClusterId, "n3", 2, true, 3, 0, 0, 0), P3.Ref);

        Assert.Equal(1, applied.ExpectMsg<Applied>().Index);
        Assert.Equal(2, applied.ExpectMsg<Applied>().Index);
        var noOp = applied.ExpectMsg<Applied>();
        Assert.Equal((3L, 2L, 0), (noOp.Index, noOp.Term, noOp.Command.Length));
        Assert.Equal(3, (await StateOf(peer)).CommitIndex);
    }

    [Fact]
    public async Task With_the_no_op_off_a_new_leader_sends_only_heartbeats_and_commits_nothing_of_earlier_terms()
    {
        // Reference: Raft paper §5.4.2 (counting replicas never commits an entry of an earlier term)
        var (peer, applied) = await LeaderOverOlderEntriesAsync(Settings());
        var first = P3.FishForMessage<AppendEntries>(ae => ae.Term == 2, Quiet * 10);
        Assert.Empty(first.Entries);

        peer.Tell(new AppendEntriesResult(ClusterId, "n3", 2, true, 2, 0, 0, 0) { Round = first.Round }, P3.Ref);

        applied.ExpectNoMsg(Quiet);
        Assert.Equal(0, (await StateOf(peer)).CommitIndex);
    }
}
