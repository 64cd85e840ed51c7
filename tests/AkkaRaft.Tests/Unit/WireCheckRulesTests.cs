using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Persistence;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// Everything from the wire is untrusted: a message whose fields a correct peer could not have sent is dropped before
/// any rule acts on it, and the peer keeps its role and its state. No term is adopted that could not be incremented,
/// and no malformed answer restarts a leader.
/// </summary>
public sealed class WireCheckRulesTests : VirtualTimePeerTest
{
    private static readonly byte[] State = Enumerable.Range(1, 10).Select(i => (byte)i).ToArray();

    public WireCheckRulesTests(ITestOutputHelper output) : base(output) { }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(1L << 62)]
    public async Task Follower_never_adopts_a_term_that_cannot_be_incremented(long term)
    {
        // Reference: Raft paper §5.1 (a newer term is adopted) and §5.2 (a candidate increments its term): a term at
        // the top of the range would wrap at the next election and end elections for good
        var errors = ErrorsProbe();
        var peer = await StartPeerAsync();

        peer.Tell(Heartbeat("n2", term), P2.Ref);
        peer.Tell(VoteRequest("n3", term), P3.Ref);

        P2.ExpectNoMsg(Quiet);
        Assert.Equal(0, (await StateOf(peer)).Term);
        Advance(ElectionTimeout);
        P2.ExpectMsg<RequestVote>(rv => rv.Term == 1);
        errors.ExpectNoMsg(TimeSpan.Zero);
    }

    public static TheoryData<IRaftMessage> BadPreVotes() => new()
    {
        new PreVote(ClusterId, "n2", 1L << 62, 0, 0),
        new PreVote(ClusterId, "n2", 3, -1, 0),
        new PreVote(ClusterId, "n2", 3, 5, 4), // a last log term beyond the term asked for
        new PreVoteResult(ClusterId, "n2", long.MaxValue, false),
    };

    [Theory]
    [MemberData(nameof(BadPreVotes))]
    public async Task A_malformed_pre_vote_message_is_dropped_and_changes_nothing(IRaftMessage message)
    {
        // Reference: Raft thesis §9.6 (pre-vote) and §5.1: a pre-vote message is bound-checked like every other
        var errors = ErrorsProbe();
        var peer = await StartPeerAsync(settings: Settings(preVote: true));
        Advance(ElectionTimeout);
        P2.ExpectMsg<PreVote>(pv => pv.Term == 1);

        peer.Tell(message, P2.Ref);

        P2.ExpectNoMsg(Quiet);
        var state = await StateOf(peer);
        Assert.Equal((RaftRole.PreCandidate, 0L), (state.Role, state.Term));
        errors.ExpectNoMsg(TimeSpan.Zero);
    }

    /// <summary>Writes one event to n1's journal stream, as an older version of the peer could have.</summary>
    private sealed class JournalWriter : Akka.Persistence.ReceivePersistentActor
    {
        public JournalWriter(object e)
        {
            PersistenceId = RaftActor.PersistenceIdFor(ClusterId, "n1");
            CommandAny(_ => Persist(e, _ => Sender.Tell(Akka.Actor.Status.Success.Instance)));
        }

        public override string PersistenceId { get; }
    }

    [Fact]
    public async Task Peer_whose_journal_holds_the_largest_term_never_campaigns_with_a_wrapped_term()
    {
        // Reference: Raft paper §5.2 (a candidate increments its term): terms never decrease, so an increment that
        // would wrap must not happen, even from a journal written before terms were checked
        var writer = Sys.ActorOf(Props.Create(() => new JournalWriter(new HardStateChanged(long.MaxValue, null))));
        await writer.Ask<Akka.Actor.Status.Success>("write", TimeSpan.FromSeconds(3));
        Sys.Stop(writer);
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Akka.Event.Error));
        var peer = await StartPeerAsync();

        Advance(ElectionTimeout);

        P2.ExpectNoMsg(Quiet);
        var state = await StateOf(peer);
        Assert.Equal((RaftRole.Follower, long.MaxValue), (state.Role, state.Term));
        // It says why, once per timeout, and stays up.
        Assert.Contains("cannot campaign", errors.ExpectMsg<Akka.Event.Error>().Message.ToString());
    }

    [Fact]
    public async Task Leader_drops_an_append_answer_that_claims_more_than_it_was_sent()
    {
        // Reference: Raft paper Figure 2 (matchIndex is what the follower is known to hold: only what the leader sent
        // can be held); such an answer used to move nextIndex past the log and restart the leader at its next heartbeat
        var errors = ErrorsProbe();
        var peer = await StartLeaderAsync();

        peer.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 1_000_000, 0, 0, 0), P2.Ref);
        peer.Tell(new AppendEntriesResult(ClusterId, "n3", 1, false, 0, 1_000_000, 0, 1_000_000), P3.Ref);
        Advance(HeartbeatInterval);

        P2.ExpectMsg<AppendEntries>(ae => ae.PrevLogIndex == 0 && ae.Term == 1);
        P3.ExpectMsg<AppendEntries>(ae => ae.PrevLogIndex == 0 && ae.Term == 1);
        var state = await StateOf(peer);
        Assert.Equal((RaftRole.Leader, 1L, 0L), (state.Role, state.Term, state.CommitIndex));
        errors.ExpectNoMsg(TimeSpan.Zero);
    }

    [Theory]
    [InlineData(-5L)]
    [InlineData(11L)]
    public async Task Leader_drops_a_snapshot_answer_with_an_offset_outside_the_snapshot(long nextOffset)
    {
        // Reference: Raft paper Figure 13 (offset is a byte position within the snapshot)
        var errors = ErrorsProbe();
        var apply = CreateTestProbe();
        var peer = await StartLeaderAsync(new RaftActorOptions { ApplyTo = apply.Ref }, Settings().WithSnapshots(chunkBytes: 4));
        peer.Tell(new Propose(Command(1)), TestActor);
        ExpectMsg(new ProposeAccepted(1, 1));
        P2.ExpectMsg<AppendEntries>(ae => ae.Entries.Count == 1);
        peer.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 1, 0, 0, 0), P2.Ref);
        apply.ExpectMsg<Applied>();
        peer.Tell(new Propose(Command(2)), TestActor);
        ExpectMsg(new ProposeAccepted(2, 1));
        peer.Tell(new Snapshot(1, State));
        Assert.Equal(1, (await StateOf(peer)).SnapshotIndex);
        Advance(HeartbeatInterval);
        P3.FishForMessage<InstallSnapshot>(_ => true);

        peer.Tell(new InstallSnapshotResult(ClusterId, "n3", 1, 1, nextOffset, Installed: false), P3.Ref);
        Advance(HeartbeatInterval);

        // The chunk that was sent is resent as it was; the leader still leads.
        Assert.Equal(0, P3.FishForMessage<InstallSnapshot>(_ => true).Offset);
        Assert.Equal(RaftRole.Leader, (await StateOf(peer)).Role);
        errors.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public async Task Follower_drops_entries_that_do_not_continue_from_the_previous_index()
    {
        // Reference: Raft paper Figure 2 (AppendEntries: entries follow prevLogIndex)
        var errors = ErrorsProbe();
        var peer = await StartPeerAsync();

        var gap = new[] { new LogEntry(2, 1, Command(2)), new LogEntry(3, 1, Command(3)) };
        peer.Tell(Append("n2", term: 1, prevLogIndex: 0, prevLogTerm: 0, gap), P2.Ref);
        var backwards = new[] { new LogEntry(1, 1, Command(1)), new LogEntry(1, 1, Command(1)) };
        peer.Tell(Append("n2", term: 1, prevLogIndex: 0, prevLogTerm: 0, backwards), P2.Ref);
        var termAboveLeader = new[] { new LogEntry(1, 2, Command(1)) };
        peer.Tell(Append("n2", term: 1, prevLogIndex: 0, prevLogTerm: 0, termAboveLeader), P2.Ref);

        P2.ExpectNoMsg(Quiet);
        var state = await StateOf(peer);
        Assert.Equal((RaftRole.Follower, 0L, 0L), (state.Role, state.Term, state.LastLogIndex));
        // A well-formed message is still taken.
        peer.Tell(Append("n2", term: 1, 0, 0, Entries(1, 1, 1)), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>(r => r.Success && r.MatchIndex == 2);
        errors.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public async Task Follower_drops_entries_that_disagree_with_its_snapshot()
    {
        // Reference: Raft paper §5.4 (Leader Completeness: a leader holds every committed entry, so its entry at the
        // follower's snapshot index has the snapshot's term) and §7
        var errors = ErrorsProbe();
        var peer = await StartPeerAsync();
        peer.Tell(new InstallSnapshot(ClusterId, "n2", 2, 5, 2, 0, State, true), P2.Ref);
        P2.ExpectMsg<InstallSnapshotResult>(r => r.Installed);

        peer.Tell(Append("n2", term: 2, prevLogIndex: 4, prevLogTerm: 1, Entries(5, 1, 1)), P2.Ref);

        P2.ExpectNoMsg(Quiet);
        var state = await StateOf(peer);
        Assert.Equal((5L, 5L), (state.SnapshotIndex, state.LastLogIndex));
        peer.Tell(Append("n2", term: 2, prevLogIndex: 4, prevLogTerm: 1, Entries(5, 2, 2)), P2.Ref);
        P2.ExpectMsg<AppendEntriesResult>(r => r.Success && r.MatchIndex == 6);
        errors.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public async Task Follower_drops_a_snapshot_chunk_at_a_negative_offset()
    {
        // Reference: Raft paper Figure 13 (offset is a byte position within the snapshot)
        var errors = ErrorsProbe();
        var peer = await StartPeerAsync();

        peer.Tell(new InstallSnapshot(ClusterId, "n2", 1, 5, 1, -4, State, false), P2.Ref);
        peer.Tell(new InstallSnapshot(ClusterId, "n2", 1, -5, 1, 0, State, true), P2.Ref);

        P2.ExpectNoMsg(Quiet);
        Assert.Equal((0L, 0L), ((await StateOf(peer)).Term, (await StateOf(peer)).SnapshotIndex));
        errors.ExpectNoMsg(TimeSpan.Zero);
    }
}
