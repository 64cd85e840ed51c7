using System.Diagnostics;
using Akka.Persistence;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Durability;

/// <summary>
/// The peer on Akka.Persistence.TestKit's journal, which can be made to fail, reject or delay writes and
/// fail recovery. Rule: a write that did not succeed is never acknowledged, and nothing durable is lost.
/// </summary>
public sealed class JournalFaultTests(ITestOutputHelper output) : TestJournalKit(output)
{
    private static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(100);

    /// <summary>Makes term 3 durable through a heartbeat from n2, so a test can tell "recovered" from "new".</summary>
    private async Task<IActorRef> SupervisedPeerAtTerm3()
    {
        var peer = await N1.StartSupervised(Backoff);
        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 0, prevTerm: 0, commit: 0, (1, 3)));
        N1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 1));
        return peer;
    }

    /// <summary>Waits until the supervised peer answers again, and returns what it says.</summary>
    private async Task<RaftState> RecoveredState(IActorRef supervisor)
    {
        RaftState? state = null;
        await AwaitAssertAsync(async () => state = await supervisor.Ask<RaftState>(GetState.Instance, TimeSpan.FromMilliseconds(300)), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        return state!;
    }

    [Fact]
    public async Task A_failed_write_never_grants_a_vote_and_the_peer_comes_back_with_nothing_lost()
    {
        // n1 follows n2 in term 3 but has not voted in it: granting n3's vote needs one write, which fails.
        var peer = await SupervisedPeerAtTerm3();
        await Journal.OnWrite.Fail();

        peer.Tell(SinglePeer.Vote("n3", term: 3, lastIndex: 1, lastTerm: 3));
        N1.N3.ExpectNoMsg(TimeSpan.FromSeconds(1)); // the vote was never durable, so never sent

        await Journal.OnWrite.Pass();
        var state = await RecoveredState(peer);
        Assert.Equal(3, state.Term);
        Assert.Equal(1, state.LastLogIndex); // the durable entry is still there
        peer.Tell(SinglePeer.Vote("n3", term: 3, lastIndex: 1, lastTerm: 3));
        N1.N3.ExpectMsg<RequestVoteResult>(r => Assert.True(r.VoteGranted && r.Term == 3));
    }

    [Fact]
    public async Task A_failed_write_of_a_newer_term_never_grants_a_vote_in_it()
    {
        var peer = await SupervisedPeerAtTerm3();
        await Journal.OnWrite.Fail();

        peer.Tell(SinglePeer.Vote("n3", term: 4, lastIndex: 1, lastTerm: 3));
        N1.N3.ExpectNoMsg(TimeSpan.FromSeconds(1));

        await Journal.OnWrite.Pass();
        var state = await RecoveredState(peer);
        Assert.Equal(3, state.Term); // the durable term, not the failed one
        Assert.Equal(1, state.LastLogIndex);
        peer.Tell(SinglePeer.Vote("n3", term: 4, lastIndex: 1, lastTerm: 3));
        N1.N3.ExpectMsg<RequestVoteResult>(r => Assert.True(r.VoteGranted && r.Term == 4));
    }

    [Fact]
    public async Task A_rejected_write_never_grants_a_vote_and_the_peer_comes_back_with_nothing_lost()
    {
        var peer = await SupervisedPeerAtTerm3();
        await Journal.OnWrite.Reject();

        peer.Tell(SinglePeer.Vote("n3", term: 3, lastIndex: 1, lastTerm: 3));
        N1.N3.ExpectNoMsg(TimeSpan.FromSeconds(1));

        await Journal.OnWrite.Pass();
        var state = await RecoveredState(peer);
        Assert.Equal(3, state.Term);
        Assert.Equal(1, state.LastLogIndex);
    }

    [Fact]
    public async Task A_failed_write_never_acknowledges_an_append()
    {
        var peer = await SupervisedPeerAtTerm3();
        await Journal.OnWrite.Fail();

        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 1, prevTerm: 3, commit: 0, (2, 3), (3, 3)));
        N1.N2.ExpectNoMsg(TimeSpan.FromSeconds(1));

        await Journal.OnWrite.Pass();
        var state = await RecoveredState(peer);
        Assert.Equal(1, state.LastLogIndex); // only what was durable
        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 1, prevTerm: 3, commit: 0, (2, 3), (3, 3)));
        N1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 3));
    }

    [Fact]
    public async Task A_rejected_write_never_acknowledges_an_append()
    {
        var peer = await SupervisedPeerAtTerm3();
        await Journal.OnWrite.Reject();

        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 1, prevTerm: 3, commit: 0, (2, 3)));
        N1.N2.ExpectNoMsg(TimeSpan.FromSeconds(1));

        await Journal.OnWrite.Pass();
        Assert.Equal(1, (await RecoveredState(peer)).LastLogIndex);
    }

    [Fact]
    public async Task A_slow_journal_delays_the_acknowledgement_but_loses_nothing()
    {
        var peer = await SupervisedPeerAtTerm3();
        await Journal.OnWrite.PassWithDelay(WriteDelay);

        var sinceRequest = Stopwatch.StartNew();
        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 1, prevTerm: 3, commit: 0, (2, 3), (3, 3)));
        N1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 3), TimeSpan.FromSeconds(5));
        AssertNotBefore(sinceRequest, "the acknowledgement");

        await Journal.OnWrite.Pass();
        await N1.Crash(peer);
        var restarted = await N1.Start();
        Assert.Equal(3, (await SinglePeer.State(restarted)).LastLogIndex);
    }

    [Fact]
    public async Task A_failed_recovery_leaves_the_peer_stopped_with_a_clear_error()
    {
        var first = await SupervisedPeerAtTerm3();
        await N1.Crash(first);
        await Journal.OnRecovery.Fail();

        await EventFilter.Error(contains: "cannot recover its Raft state from the journal").ExpectOneAsync(async () =>
        {
            var supervisor = Sys.ActorOf(AkkaRaft.Actors.RaftActor.SupervisedProps(N1.Settings, N1.Routes, minBackoff: Backoff), "n1-after-failed-recovery");
            Watch(supervisor);
            await ExpectTerminatedAsync(supervisor, TimeSpan.FromSeconds(10));
        });
        // It never ran: nothing answered n2's heartbeat with an empty log.
        N1.N2.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
