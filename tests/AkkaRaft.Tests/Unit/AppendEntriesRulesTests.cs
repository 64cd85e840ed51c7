using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// Figure 2's AppendEntries rules (receiver and leader), one per test, on virtual time: what the peer does with the
/// receiver's decisions (applying, committing, answering in order) and the leader's side. The receiver's decisions
/// themselves are plain rules, tested in <c>Core/AppendAnswerTests</c>.
/// </summary>
public sealed class AppendEntriesRulesTests : VirtualTimePeerTest
{
    public AppendEntriesRulesTests(ITestOutputHelper output) : base(output) { }

    private static AppendEntriesResult Ack(long term, long matchIndex) => new(ClusterId, "n1", term, true, matchIndex, 0, 0, 0);

    [Fact]
    public async Task Follower_deletes_its_suffix_from_the_first_conflicting_entry()
    {
        // Reference: Raft paper Figure 2 (AppendEntries receiver step 3: delete the existing entry and all that follow it)
        var apply = CreateTestProbe();
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref });
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1, 1, 1)), P2.Ref);
        P2.ExpectMsg(Ack(1, 4));

        // n3, leader of term 2, agrees on 1..2 and has its own entry 3.
        peer.Tell(Append("n3", term: 2, prevLogIndex: 1, prevLogTerm: 1, Entries(2, 1, 2), leaderCommit: 3), P3.Ref);

        P3.ExpectMsg(Ack(2, 3));
        Assert.Equal(3, (await StateOf(peer)).LastLogIndex);
        Assert.Equal(new[] { (1L, 1L), (2L, 1L), (3L, 2L) }, apply.ReceiveN(3).Cast<Applied>().Select(a => (a.Index, a.Term)));
    }

    [Fact]
    public async Task Follower_commits_up_to_leader_commit_but_not_past_the_last_new_entry()
    {
        // Reference: Raft paper Figure 2 (AppendEntries receiver step 5: commitIndex = min(leaderCommit, index of last new entry))
        var peer = await StartPeerAsync();
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1, 1), leaderCommit: 2), P2.Ref);
        P2.ExpectMsg(Ack(1, 3));
        Assert.Equal(2, (await StateOf(peer)).CommitIndex);

        // n3 of term 2 proves agreement only through index 1; the follower's 2..3 may not be its own.
        peer.Tell(Append("n3", term: 2, 0, 0, Entries(1, 1), leaderCommit: 9), P3.Ref);
        P3.ExpectMsg(Ack(2, 1));
        Assert.Equal(2, (await StateOf(peer)).CommitIndex); // and never backward

        peer.Tell(Heartbeat("n3", term: 2, prevLogIndex: 3, prevLogTerm: 1, leaderCommit: 9), P3.Ref);
        P3.ExpectMsg(Ack(2, 3));
        Assert.Equal(3, (await StateOf(peer)).CommitIndex);
    }

    [Fact]
    public async Task Follower_applies_committed_entries_in_order_exactly_once()
    {
        // Reference: Raft paper Figure 2 (all servers: if commitIndex > lastApplied, apply log[lastApplied + 1]), §5.3
        var apply = CreateTestProbe();
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref });

        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1, 1), leaderCommit: 2), P2.Ref);
        P2.ExpectMsg(Ack(1, 3));
        AssertApplied(apply.ExpectMsg<Applied>(), 1);
        AssertApplied(apply.ExpectMsg<Applied>(), 2);
        apply.ExpectNoMsg(Quiet);

        peer.Tell(Heartbeat("n2", term: 1, prevLogIndex: 3, prevLogTerm: 1, leaderCommit: 3), P2.Ref);
        P2.ExpectMsg(Ack(1, 3));
        AssertApplied(apply.ExpectMsg<Applied>(), 3);

        // Repeats of what is already applied apply nothing again.
        peer.Tell(Heartbeat("n2", term: 1, prevLogIndex: 3, prevLogTerm: 1, leaderCommit: 3), P2.Ref);
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1, 1), leaderCommit: 3), P2.Ref);
        P2.ExpectMsg(Ack(1, 3));
        P2.ExpectMsg(Ack(1, 3));
        apply.ExpectNoMsg(Quiet);
        Assert.Equal(3, (await StateOf(peer)).LastApplied);
    }

    [Fact]
    public async Task Leader_answers_a_proposal_with_its_index_and_term()
    {
        // Reference: Raft paper §5.3 (the leader appends the command to its log as a new entry)
        var peer = await StartLeaderAsync();
        var client = CreateTestProbe();

        peer.Tell(new Propose(Command(41)), client.Ref);
        peer.Tell(new Propose(Command(42)), client.Ref);

        client.ExpectMsg(new ProposeAccepted(1, 1));
        client.ExpectMsg(new ProposeAccepted(2, 1));
    }

    [Fact]
    public async Task Leader_replicates_a_proposal_to_every_follower()
    {
        // Reference: Raft paper §5.3 (issues AppendEntries in parallel to each of the other servers)
        var peer = await StartLeaderAsync();

        peer.Tell(new Propose(Command(42)), TestActor);
        ExpectMsg<ProposeAccepted>();

        foreach (var probe in new[] { P2, P3 })
        {
            var ae = probe.ExpectMsg<AppendEntries>();
            Assert.Equal((1L, 0L, 0L), (ae.Term, ae.PrevLogIndex, ae.PrevLogTerm));
            var entry = Assert.Single(ae.Entries);
            Assert.Equal((1L, 1L), (entry.Index, entry.Term));
            Assert.Equal(Command(42), entry.Command);
        }
    }

    [Fact]
    public async Task Leader_commits_an_entry_once_a_majority_holds_it()
    {
        // Reference: Raft paper §5.3 (committed once replicated on a majority: the leader and n2 of three)
        var apply = CreateTestProbe();
        var peer = await StartLeaderAsync(new RaftActorOptions { ApplyTo = apply.Ref });
        peer.Tell(new Propose(Command(42)), TestActor);
        ExpectMsg<ProposeAccepted>();
        P2.ExpectMsg<AppendEntries>(ae => ae.Entries.Count == 1);
        P3.ExpectMsg<AppendEntries>(ae => ae.Entries.Count == 1);

        apply.ExpectNoMsg(Quiet); // the leader alone is a minority
        Assert.Equal(0, (await StateOf(peer)).CommitIndex);

        peer.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 1, 0, 0, 0), P2.Ref);

        var applied = apply.ExpectMsg<Applied>();
        Assert.Equal(new Applied("n1", 1, 1, applied.Command), applied);
        Assert.Equal(Command(42), applied.Command);
        Assert.Equal(1, (await StateOf(peer)).CommitIndex);
    }

    [Fact]
    public async Task Leader_tells_followers_a_new_commit_index_without_waiting_for_a_heartbeat()
    {
        // Reference: Raft paper §5.3 (the leader includes its commit index in future AppendEntries,
        // so the followers eventually find out); sent at once here, before any heartbeat is due
        var peer = await StartLeaderAsync();
        peer.Tell(new Propose(Command(42)), TestActor);
        ExpectMsg<ProposeAccepted>();
        P2.ExpectMsg<AppendEntries>(ae => ae.Entries.Count == 1);
        P3.ExpectMsg<AppendEntries>(ae => ae.Entries.Count == 1);

        peer.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 1, 0, 0, 0), P2.Ref);

        P2.ExpectMsg<AppendEntries>(ae => ae.LeaderCommit == 1);
        // n3's append is still in flight: it hears the commit index in what follows its answer.
        peer.Tell(new AppendEntriesResult(ClusterId, "n3", 1, true, 1, 0, 0, 0), P3.Ref);
        P3.ExpectMsg<AppendEntries>(ae => ae.LeaderCommit == 1);
    }

    [Fact]
    public async Task Commit_news_waits_for_a_follower_with_appends_in_flight_to_answer()
    {
        // Under load the news then rides on the next entries instead of costing a message of its own (§5.3: the
        // followers learn the commit index from future AppendEntries).
        var peer = await StartLeaderAsync();
        // Both answer the first heartbeat: the leader knows where their logs match and pipelines from here on.
        peer.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 0, 0, 0, 0), P2.Ref);
        peer.Tell(new AppendEntriesResult(ClusterId, "n3", 1, true, 0, 0, 0, 0), P3.Ref);
        peer.Tell(new Propose(Command(42)), TestActor);
        ExpectMsg<ProposeAccepted>();
        P2.ExpectMsg<AppendEntries>(ae => ae.Entries.Count == 1);
        P3.ExpectMsg<AppendEntries>(ae => ae.Entries.Count == 1);

        peer.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 1, 0, 0, 0), P2.Ref);
        P2.ExpectMsg<AppendEntries>(ae => ae.LeaderCommit == 1 && ae.Entries.Count == 0);
        peer.Tell(new Propose(Command(43)), TestActor);
        ExpectMsg<ProposeAccepted>();

        // n3 got nothing between its first append and the second: the news came with the entry.
        P3.ExpectMsg<AppendEntries>(ae => ae.LeaderCommit == 1 && ae.Entries.Count == 1 && ae.Entries[0].Index == 2);
    }

    [Fact]
    public async Task Leader_asks_no_answer_to_news_of_the_commit_index_alone()
    {
        // A matching follower's answer to it would only repeat what its answers to the entries said; entries and
        // heartbeats still ask for one (§5.2, §5.3).
        var peer = await StartLeaderAsync();
        peer.Tell(new Propose(Command(42)), TestActor);
        ExpectMsg<ProposeAccepted>();
        P2.ExpectMsg<AppendEntries>(ae => ae.Entries.Count == 1 && ae.AnswerSuccess);
        P3.ExpectMsg<AppendEntries>(ae => ae.Entries.Count == 1 && ae.AnswerSuccess);

        peer.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 1, 0, 0, 0), P2.Ref);

        P2.ExpectMsg<AppendEntries>(ae => ae.LeaderCommit == 1 && ae.Entries.Count == 0 && !ae.AnswerSuccess);
        Advance(HeartbeatInterval);
        P2.ExpectMsg<AppendEntries>(ae => ae.LeaderCommit == 1 && ae.Entries.Count == 0 && ae.AnswerSuccess);
    }

    [Fact]
    public async Task Follower_takes_commit_news_without_answering_when_its_log_matches()
    {
        // Figure 2 (receiver step 5) still applies: the news commits; only the success answer is spared.
        var apply = CreateTestProbe();
        var peer = await StartPeerAsync(new RaftActorOptions { ApplyTo = apply.Ref });
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1)), P2.Ref);
        P2.ExpectMsg(Ack(1, 1));

        peer.Tell(Heartbeat("n2", term: 1, prevLogIndex: 1, prevLogTerm: 1, leaderCommit: 1) with { AnswerSuccess = false }, P2.Ref);
        peer.Tell(Heartbeat("n2", term: 1, prevLogIndex: 1, prevLogTerm: 1, leaderCommit: 1) with { Round = 7 }, P2.Ref);

        Assert.Equal(1, apply.ExpectMsg<Applied>().Index);
        // Answers leave in the order the messages came: the next one answers the heartbeat, so none answered the news.
        P2.ExpectMsg(Ack(1, 1) with { Round = 7 });
    }

    [Fact]
    public async Task Follower_answers_a_proposal_with_not_leader_and_the_leader_it_knows()
    {
        // Reference: Raft paper §8 (a server that is not the leader rejects the request and supplies the leader it knows)
        var peer = await StartPeerAsync();
        peer.Tell(Heartbeat("n2", term: 1), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>();

        peer.Tell(new Propose(Command(42)), TestActor);

        ExpectMsg(new NotLeader("n1", "n2"));
        Assert.Equal(0, (await StateOf(peer)).LastLogIndex);
    }

    [Fact]
    public async Task Candidate_answers_a_proposal_with_not_leader_and_no_leader()
    {
        // Reference: Raft paper §8 (no leader is known during an election)
        var peer = await StartCandidateAsync();

        peer.Tell(new Propose(Command(42)), TestActor);

        ExpectMsg(new NotLeader("n1", null));
        Assert.Equal(0, (await StateOf(peer)).LastLogIndex);
    }

    private static void AssertApplied(Applied applied, long index)
    {
        Assert.Equal(("n1", index, 1L), (applied.PeerId, applied.Index, applied.Term));
        Assert.Equal(Command(index), applied.Command);
    }
}
