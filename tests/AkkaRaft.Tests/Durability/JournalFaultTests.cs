using Akka.Persistence;
using Akka.Persistence.TestKit;
using Akka.TestKit.Xunit2;
using AkkaRaft.Actors.Messages;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Durability;

/// <summary>
/// The peer on Akka.Persistence.TestKit's journal, which can be made to fail, reject or delay writes and
/// fail recovery. Rule: a write that did not succeed is never acknowledged, and nothing durable is lost.
/// </summary>
public sealed class JournalFaultTests : TestKit
{
    /// <summary>Akka.Persistence.TestKit's journal and snapshot store, whose writes a test can fail, reject or delay.</summary>
    internal const string Config = """
        akka.loglevel = INFO
        akka.persistence.journal.plugin = "akka.persistence.journal.test"
        akka.persistence.journal.test {
          class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.test"
        akka.persistence.snapshot-store.test {
          class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """;

    private static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(100);
    private readonly SinglePeer _n1;
    private readonly ITestJournal _journal;

    public JournalFaultTests(ITestOutputHelper output) : base(Config, output: output)
    {
        _n1 = new SinglePeer(this);
        _journal = TestJournal.FromRef(Persistence.Instance.Apply(Sys).JournalFor(null));
    }

    /// <summary>Makes term 3 durable through a heartbeat from n2, so a test can tell "recovered" from "new".</summary>
    private async Task<IActorRef> SupervisedPeerAtTerm3()
    {
        var peer = await _n1.StartSupervised(Backoff);
        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 0, prevTerm: 0, commit: 0, (1, 3)));
        _n1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 1));
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
        await _journal.OnWrite.Fail();

        peer.Tell(SinglePeer.Vote("n3", term: 3, lastIndex: 1, lastTerm: 3));
        _n1.N3.ExpectNoMsg(TimeSpan.FromSeconds(1)); // the vote was never durable, so never sent

        await _journal.OnWrite.Pass();
        var state = await RecoveredState(peer);
        Assert.Equal(3, state.Term);
        Assert.Equal(1, state.LastLogIndex); // the durable entry is still there
        peer.Tell(SinglePeer.Vote("n3", term: 3, lastIndex: 1, lastTerm: 3));
        _n1.N3.ExpectMsg<RequestVoteResult>(r => Assert.True(r.VoteGranted && r.Term == 3));
    }

    [Fact]
    public async Task A_failed_write_of_a_newer_term_never_grants_a_vote_in_it()
    {
        var peer = await SupervisedPeerAtTerm3();
        await _journal.OnWrite.Fail();

        peer.Tell(SinglePeer.Vote("n3", term: 4, lastIndex: 1, lastTerm: 3));
        _n1.N3.ExpectNoMsg(TimeSpan.FromSeconds(1));

        await _journal.OnWrite.Pass();
        var state = await RecoveredState(peer);
        Assert.Equal(3, state.Term); // the durable term, not the failed one
        Assert.Equal(1, state.LastLogIndex);
        peer.Tell(SinglePeer.Vote("n3", term: 4, lastIndex: 1, lastTerm: 3));
        _n1.N3.ExpectMsg<RequestVoteResult>(r => Assert.True(r.VoteGranted && r.Term == 4));
    }

    [Fact]
    public async Task A_rejected_write_never_grants_a_vote_and_the_peer_comes_back_with_nothing_lost()
    {
        var peer = await SupervisedPeerAtTerm3();
        await _journal.OnWrite.Reject();

        peer.Tell(SinglePeer.Vote("n3", term: 3, lastIndex: 1, lastTerm: 3));
        _n1.N3.ExpectNoMsg(TimeSpan.FromSeconds(1));

        await _journal.OnWrite.Pass();
        var state = await RecoveredState(peer);
        Assert.Equal(3, state.Term);
        Assert.Equal(1, state.LastLogIndex);
    }

    [Fact]
    public async Task A_failed_write_never_acknowledges_an_append()
    {
        var peer = await SupervisedPeerAtTerm3();
        await _journal.OnWrite.Fail();

        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 1, prevTerm: 3, commit: 0, (2, 3), (3, 3)));
        _n1.N2.ExpectNoMsg(TimeSpan.FromSeconds(1));

        await _journal.OnWrite.Pass();
        var state = await RecoveredState(peer);
        Assert.Equal(1, state.LastLogIndex); // only what was durable
        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 1, prevTerm: 3, commit: 0, (2, 3), (3, 3)));
        _n1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 3));
    }

    [Fact]
    public async Task A_rejected_write_never_acknowledges_an_append()
    {
        var peer = await SupervisedPeerAtTerm3();
        await _journal.OnWrite.Reject();

        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 1, prevTerm: 3, commit: 0, (2, 3)));
        _n1.N2.ExpectNoMsg(TimeSpan.FromSeconds(1));

        await _journal.OnWrite.Pass();
        Assert.Equal(1, (await RecoveredState(peer)).LastLogIndex);
    }

    [Fact]
    public async Task A_slow_journal_delays_the_acknowledgement_but_loses_nothing()
    {
        var peer = await SupervisedPeerAtTerm3();
        await _journal.OnWrite.PassWithDelay(TimeSpan.FromMilliseconds(800));

        peer.Tell(SinglePeer.Append("n2", term: 3, prevIndex: 1, prevTerm: 3, commit: 0, (2, 3), (3, 3)));
        _n1.N2.ExpectNoMsg(TimeSpan.FromMilliseconds(400)); // not before the write completes
        _n1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 3), TimeSpan.FromSeconds(5));

        await _journal.OnWrite.Pass();
        await _n1.Crash(peer);
        var restarted = await _n1.Start();
        Assert.Equal(3, (await SinglePeer.State(restarted)).LastLogIndex);
    }

    [Fact]
    public async Task A_failed_recovery_leaves_the_peer_stopped_with_a_clear_error()
    {
        var first = await SupervisedPeerAtTerm3();
        await _n1.Crash(first);
        await _journal.OnRecovery.Fail();

        await EventFilter.Error(contains: "cannot recover its Raft state from the journal").ExpectOneAsync(async () =>
        {
            var supervisor = Sys.ActorOf(AkkaRaft.Actors.RaftActor.SupervisedProps(_n1.Settings, _n1.Routes, minBackoff: Backoff), "n1-after-failed-recovery");
            Watch(supervisor);
            await ExpectTerminatedAsync(supervisor, TimeSpan.FromSeconds(10));
        });
        // It never ran: nothing answered n2's heartbeat with an empty log.
        _n1.N2.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
