using Akka.TestKit.Xunit2;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Durability;

/// <summary>
/// Figure 2: currentTerm, votedFor and log[] are persistent state, "updated on stable storage before
/// responding to RPCs". Each test changes one of them, crashes the peer, and checks the next incarnation.
/// </summary>
public sealed class DurabilityRulesTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly SinglePeer _n1;

    public DurabilityRulesTests(ITestOutputHelper output) : base("akka.loglevel = INFO", output: output) => _n1 = new SinglePeer(this);

    [Fact]
    public async Task A_vote_granted_before_a_crash_is_not_granted_to_another_candidate_after_it()
    {
        // Reference: Raft paper §5.2, "each server will vote for at most one candidate in a given term".
        var peer = await _n1.Start();
        peer.Tell(SinglePeer.Vote("n2", term: 5));
        _n1.N2.ExpectMsg<RequestVoteResult>(r => Assert.True(r.VoteGranted && r.Term == 5));

        await _n1.Crash(peer);
        peer = await _n1.Start();

        peer.Tell(SinglePeer.Vote("n3", term: 5));
        _n1.N3.ExpectMsg<RequestVoteResult>(r => Assert.False(r.VoteGranted, "voted twice in term 5"));
        peer.Tell(SinglePeer.Vote("n2", term: 5)); // the same candidate asking again still gets it
        _n1.N2.ExpectMsg<RequestVoteResult>(r => Assert.True(r.VoteGranted));
    }

    [Fact]
    public async Task A_term_adopted_before_a_crash_is_not_lower_after_it()
    {
        // Reference: Raft paper §5.1 and Figure 2 (currentTerm is persistent).
        var peer = await _n1.Start();
        peer.Tell(SinglePeer.Append("n2", term: 7, prevIndex: 0, prevTerm: 0, commit: 0));
        _n1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.Term == 7));

        await _n1.Crash(peer);
        peer = await _n1.Start();

        Assert.Equal(7, (await SinglePeer.State(peer)).Term);
        peer.Tell(SinglePeer.Vote("n3", term: 6));
        _n1.N3.ExpectMsg<RequestVoteResult>(r => Assert.True(!r.VoteGranted && r.Term == 7));
    }

    [Fact]
    public async Task Entries_acknowledged_before_a_crash_are_in_the_log_after_it()
    {
        // Reference: Raft paper Figure 2, AppendEntries receiver (log[] is persistent).
        var peer = await _n1.Start();
        peer.Tell(SinglePeer.Append("n2", term: 2, prevIndex: 0, prevTerm: 0, commit: 0, (1, 1), (2, 2), (3, 2)));
        _n1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 3));

        await _n1.Crash(peer);
        peer = await _n1.Start();

        Assert.Equal(3, (await SinglePeer.State(peer)).LastLogIndex);
        peer.Tell(SinglePeer.Append("n2", term: 2, prevIndex: 3, prevTerm: 2, commit: 0)); // matches at (3, 2)
        _n1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 3));
    }

    [Fact]
    public async Task A_truncation_before_a_crash_stays_truncated_after_it()
    {
        // Reference: Raft paper §5.3, a conflicting suffix is deleted, durably.
        var peer = await _n1.Start();
        peer.Tell(SinglePeer.Append("n2", term: 2, prevIndex: 0, prevTerm: 0, commit: 0, (1, 1), (2, 2), (3, 2)));
        _n1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success));
        peer.Tell(SinglePeer.Append("n3", term: 3, prevIndex: 1, prevTerm: 1, commit: 0, (2, 3)));
        _n1.N3.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 2));

        await _n1.Crash(peer);
        peer = await _n1.Start();

        var state = await SinglePeer.State(peer);
        Assert.Equal(2, state.LastLogIndex);
        peer.Tell(SinglePeer.Append("n3", term: 3, prevIndex: 2, prevTerm: 3, commit: 0)); // (2, 3) survived, (3, 2) did not
        _n1.N3.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.MatchIndex == 2));
    }
}
