using Akka.Configuration;
using Akka.Persistence.TestKit;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// One real <see cref="RaftActor"/> ("n1") on virtual time, with <see cref="TestProbe"/>s standing in for
/// the other two members ("n2", "n3"). Nothing happens until a test advances the clock, so every timeout
/// is exact: the election timeout is pinned to <see cref="ElectionTimeout"/>.
/// </summary>
public abstract class VirtualTimePeerTest : Akka.TestKit.Xunit2.TestKit
{
    protected const string ClusterId = "akkaraft";

    /// <summary>The pinned election timeout (min == max), the reference.conf minimum.</summary>
    protected static readonly TimeSpan ElectionTimeout = TimeSpan.FromMilliseconds(300);

    /// <summary>The reference.conf heartbeat interval.</summary>
    protected static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Plugin id of Akka.Persistence.TestKit's snapshot store, whose saves a test can hold or fail. Only a peer
    /// given it as <see cref="RaftActorOptions.SnapshotPluginId"/> uses it; the default stays in-memory.
    /// </summary>
    protected const string TestSnapshotStorePluginId = "akka.persistence.snapshot-store.test";

    /// <summary>
    /// Plugin id of Akka.Persistence.TestKit's journal, whose writes a test can hold or inspect. Only a peer given it as
    /// <see cref="RaftActorOptions.JournalPluginId"/> uses it.
    /// </summary>
    protected const string TestJournalPluginId = "akka.persistence.journal.test";

    /// <summary>How long to wait, in real time, to be sure a message is not coming.</summary>
    protected static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);

    private const string VirtualTimeConfig = """
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        akka.persistence.journal.test {
          class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        akka.persistence.snapshot-store.test {
          class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """;

    private int _incarnation;

    protected VirtualTimePeerTest(ITestOutputHelper output) : base(VirtualTimeConfig, output: output)
    {
        P2 = CreateTestProbe("n2");
        P3 = CreateTestProbe("n3");
    }

    /// <summary>The member "n2".</summary>
    protected TestProbe P2 { get; }

    /// <summary>The member "n3".</summary>
    protected TestProbe P3 { get; }

    /// <summary>
    /// Settings of n1 in {n1, n2, n3}: reference.conf defaults, election timeout pinned, and pre-vote, check-quorum and
    /// the leader no-op off unless asked for: most tests here check Figure 2's rules, where a timeout starts an election
    /// at once, a follower answers every vote request, and the indexes are the commands the tests propose.
    /// </summary>
    protected static RaftSettings Settings(bool preVote = false, bool checkQuorum = false) =>
        RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft.members = [n1, n2, n3]"))
            .WithPeerId("n1")
            .WithElectionTimeout(ElectionTimeout, ElectionTimeout)
            .WithPreVote(preVote)
            .WithCheckQuorum(checkQuorum)
            .WithLeaderNoOp(false);

    /// <summary>
    /// Starts n1 (with <paramref name="settings"/>, by default <see cref="Settings"/>) and waits until it has
    /// recovered and answers as a follower, so its election timer runs from the virtual time of this call.
    /// </summary>
    protected async Task<IActorRef> StartPeerAsync(RaftActorOptions? options = null, RaftSettings? settings = null)
    {
        var routes = new Dictionary<string, IActorRef> { ["n2"] = P2.Ref, ["n3"] = P3.Ref };
        // Each incarnation gets its own actor name: the guardian frees a stopped child's name only after the
        // watcher has seen Terminated, so reusing "n1" right after a crash can race.
        var peer = Sys.ActorOf(RaftActor.Props(settings ?? Settings(), RaftPeers.FromRefs(routes), options), $"n1-{++_incarnation}");
        var state = await StateOf(peer);
        Assert.Equal(RaftRole.Follower, state.Role);
        return peer;
    }

    /// <summary>Starts n1 on the TestKit snapshot store, whose saves <paramref name="saves"/> holds.</summary>
    private protected async Task<IActorRef> StartPeerWithHeldSavesAsync(HeldSaves saves, RaftActorOptions options, RaftSettings? settings = null)
    {
        var store = TestSnapshotStore.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(TestSnapshotStorePluginId));
        await store.OnSave.SetInterceptorAsync(saves);
        return await StartPeerAsync(options with { SnapshotPluginId = TestSnapshotStorePluginId }, settings);
    }

    /// <summary>A probe that receives every Error the ActorSystem logs, such as the one an actor's restart logs.</summary>
    protected TestProbe ErrorsProbe()
    {
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Akka.Event.Error));
        return errors;
    }

    /// <summary>Starts n1 and lets it time out into a candidate of term 1 (both probes hold its RequestVote).</summary>
    protected async Task<IActorRef> StartCandidateAsync(RaftActorOptions? options = null, RaftSettings? settings = null)
    {
        var peer = await StartPeerAsync(options, settings);
        Advance(ElectionTimeout);
        P2.ExpectMsg<RequestVote>(rv => rv.Term == 1);
        P3.ExpectMsg<RequestVote>(rv => rv.Term == 1);
        return peer;
    }

    /// <summary>Makes n1 leader of term 1 with n2's vote; consumes the first heartbeats.</summary>
    protected async Task<IActorRef> StartLeaderAsync(RaftActorOptions? options = null, RaftSettings? settings = null)
    {
        var peer = await StartCandidateAsync(options, settings);
        peer.Tell(new RequestVoteResult(ClusterId, "n2", 1, true), P2.Ref);
        P2.ExpectMsg<AppendEntries>(ae => ae.Term == 1 && ae.Entries.Count == 0);
        P3.ExpectMsg<AppendEntries>(ae => ae.Term == 1 && ae.Entries.Count == 0);
        return peer;
    }

    protected static Task<RaftState> StateOf(IActorRef peer) => peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(3));

    protected void Advance(TimeSpan span) => ((TestScheduler)Sys.Scheduler).Advance(span);

    protected static RequestVote VoteRequest(string from, long term, long lastLogIndex = 0, long lastLogTerm = 0) =>
        new(ClusterId, from, term, lastLogIndex, lastLogTerm);

    protected static AppendEntries Append(string from, long term, long prevLogIndex, long prevLogTerm, IReadOnlyList<LogEntry> entries, long leaderCommit = 0) =>
        new(ClusterId, from, term, prevLogIndex, prevLogTerm, entries, leaderCommit);

    protected static AppendEntries Heartbeat(string from, long term, long prevLogIndex = 0, long prevLogTerm = 0, long leaderCommit = 0) =>
        Append(from, term, prevLogIndex, prevLogTerm, Array.Empty<LogEntry>(), leaderCommit);

    /// <summary>Consecutive entries from <paramref name="firstIndex"/>, one per term; the command is the index.</summary>
    protected static LogEntry[] Entries(long firstIndex, params long[] terms) =>
        terms.Select((t, i) => new LogEntry(firstIndex + i, t, Command(firstIndex + i))).ToArray();

    protected static byte[] Command(long n) => BitConverter.GetBytes(n);
}
