using Akka.Persistence;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Durability;

/// <summary>
/// A timer message that arrives while a journal write holds the mailbox is stashed, and comes back after the write:
/// by then the timer may have been reset. Rule: only the running election timer starts an election.
/// </summary>
public sealed class StaleTimerTests(ITestOutputHelper output) : TestJournalKit(output)
{
    [Fact]
    public async Task An_election_timeout_stashed_during_a_vote_write_starts_no_election_after_the_vote()
    {
        // Reference: Raft paper Figure 2, Followers (granting a vote resets the election timer); akka-raft's
        // stale-timer race.
        var settings = N1.Settings.WithElectionTimeout(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        var peer = Sys.ActorOf(RaftActor.Props(settings, N1.Routes), "n1-timer");
        await SinglePeer.State(peer);
        peer.Tell(SinglePeer.Append("n2", term: 4, prevIndex: 0, prevTerm: 0, commit: 0));
        N1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success));

        // The vote's write outlasts the election timer, whose message waits in the stash until the write is done.
        await Journal.OnWrite.PassWithDelay(TimeSpan.FromSeconds(3));
        peer.Tell(SinglePeer.Vote("n3", term: 4));
        N1.N3.ExpectMsg<RequestVoteResult>(r => Assert.True(r.VoteGranted && r.Term == 4), TimeSpan.FromSeconds(10));
        await Journal.OnWrite.Pass();

        // Granting the vote reset the timer: the stashed timeout is stale and must not make n1 a candidate.
        var state = await SinglePeer.State(peer);
        Assert.Equal(RaftRole.Follower, state.Role);
        Assert.Equal(4, state.Term);
    }
}
