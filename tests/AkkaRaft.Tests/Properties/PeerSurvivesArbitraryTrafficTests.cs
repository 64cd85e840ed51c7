using System.Collections.Concurrent;
using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Tests.Unit;
using CsCheck;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Properties;

/// <summary>
/// A real peer ("n1") in each role receives random, well-typed but arbitrary Raft messages from the other members,
/// interleaved with ticks of virtual time and client proposals, and keeps the properties of <see cref="PeerInvariants"/>
/// after every one. Reference: Raft paper §5.1 (terms), §5.3-5.4 (log matching, commitment), Figure 2; a peer treats
/// everything from the wire as untrusted, so a bad message is dropped, never a restart.
/// <para>
/// Each CsCheck sample starts a fresh peer (a cluster id of its own, so a fresh journal) under a
/// <see cref="RecordingSupervisor"/>, puts it into the role with a log worth having, then sends its steps. A failure
/// prints the smallest failing sequence CsCheck found and the seed that replays it: set it with
/// <c>CsCheck_Seed=&lt;seed&gt;</c> in the environment (CsCheck_Iter and CsCheck_Time widen a search the same way).
/// </para>
/// </summary>
public sealed class PeerSurvivesArbitraryTrafficTests : VirtualTimePeerTest
{
    /// <summary>The least number of random Raft messages each role must receive while still in that role.</summary>
    private const int MessagesPerRole = 5000;

    /// <summary>
    /// Samples per role. A candidate leaves its role soonest (an append of its term, a newer term, a won vote): about
    /// 5.4 of a sample's ~19 messages reach it as a candidate, so 1,200 samples leave a wide margin over
    /// <see cref="MessagesPerRole"/>; each role takes a few seconds.
    /// </summary>
    private const int Samples = 1200;
    private const int MaxSteps = 40;

    /// <summary>What the state machine hands the peer as a snapshot: its content does not matter here.</summary>
    private static readonly byte[] StateMachineImage = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    private readonly ITestOutputHelper _output;
    private int _sample;

    public PeerSurvivesArbitraryTrafficTests(ITestOutputHelper output) : base(output) => _output = output;

    [Fact]
    public Task Follower_survives_arbitrary_traffic_from_members() => SurvivesArbitraryTrafficAsync(RaftRole.Follower);

    [Fact]
    public Task Candidate_survives_arbitrary_traffic_from_members() => SurvivesArbitraryTrafficAsync(RaftRole.Candidate);

    [Fact]
    public Task Leader_survives_arbitrary_traffic_from_members() => SurvivesArbitraryTrafficAsync(RaftRole.Leader);

    private async Task SurvivesArbitraryTrafficAsync(RaftRole role)
    {
        var messages = 0;
        var inRole = 0;
        // One sample at a time: every sample shares this ActorSystem's virtual clock.
        await WireTraffic.Steps(MaxSteps, nearMax: true, withTime: true).SampleAsync(async steps =>
        {
            var (sent, sentInRole) = await RunSampleAsync(role, steps);
            messages += sent;
            inRole += sentInRole;
        }, writeLine: _output.WriteLine, iter: Samples, threads: 1, print: WireTraffic.Print);

        _output.WriteLine($"{role}: {messages} random Raft messages in {Samples} samples, {inRole} of them received while still {role.ToString().ToLowerInvariant()}");
        Assert.True(inRole >= MessagesPerRole, $"only {inRole} random messages reached the peer while it was a {role}; the suite promises at least {MessagesPerRole}");
    }

    /// <returns>How many Raft messages were sent, and how many of them while the peer was still in <paramref name="role"/>.</returns>
    private async Task<(int Sent, int InRole)> RunSampleAsync(RaftRole role, WireStep[] steps)
    {
        var clusterId = $"wire-{role.ToString().ToLowerInvariant()}-{Interlocked.Increment(ref _sample)}";
        var p2 = CreateTestProbe();
        var p3 = CreateTestProbe();
        var stateMachine = CreateTestProbe();
        var failures = new ConcurrentQueue<string>();
        var routes = new Dictionary<string, IActorRef> { ["n2"] = p2.Ref, ["n3"] = p3.Ref };
        var props = RaftActor.Props(Settings().WithClusterId(clusterId), RaftPeers.FromRefs(routes), new RaftActorOptions { ApplyTo = stateMachine.Ref });
        var supervisor = Sys.ActorOf(Props.Create(() => new RecordingSupervisor(props, failures)), clusterId);
        try
        {
            var peer = await supervisor.Ask<IActorRef>(RecordingSupervisor.GetPeer.Instance, TimeSpan.FromSeconds(3));
            var invariants = new PeerInvariants(failures, stateMachine);
            await PutInRoleAsync(role, peer, clusterId, p2, p3, stateMachine);
            var state = await invariants.AfterAsync(peer, $"(set up as {role})");
            Assert.Equal(role, state.Role);

            int sent = 0, inRole = 0;
            foreach (var step in steps)
            {
                string described;
                switch (step)
                {
                    case MessageStep m:
                        var message = m.Resolve(clusterId, state);
                        peer.Tell(message, ActorRefs.NoSender);
                        described = Describe(message);
                        sent++;
                        if (state.Role == role) inRole++;
                        break;
                    case TimeStep t:
                        Advance(t.ElectionTimeout ? ElectionTimeout : HeartbeatInterval);
                        described = t.ToString();
                        break;
                    case ProposeStep p:
                        peer.Tell(new Propose([p.Command]), ActorRefs.NoSender);
                        described = p.ToString();
                        break;
                    default:
                        throw new InvalidOperationException(step.ToString());
                }
                state = await invariants.AfterAsync(peer, described);
            }
            return (sent, inRole);
        }
        finally
        {
            Sys.Stop(supervisor);
            Sys.Stop(p2.Ref);
            Sys.Stop(p3.Ref);
            Sys.Stop(stateMachine.Ref);
        }
    }

    /// <summary>
    /// Gives the peer real state before the traffic starts. Follower: term 2, leader n2, entries 1..5 of terms
    /// 1,1,1,2,2, 1..4 committed and applied, a snapshot up to 2. Candidate: that follower after its election timer
    /// fired, at term 3. Leader: that candidate elected with n2's vote, with three proposals 6..8, n2 holding up to 7,
    /// so 1..7 committed, and a snapshot up to 6 (n3, which never answered, needs the snapshot).
    /// </summary>
    private async Task PutInRoleAsync(RaftRole role, IActorRef peer, string clusterId, TestProbe p2, TestProbe p3, TestProbe stateMachine)
    {
        peer.Tell(new AppendEntries(clusterId, "n2", 1, 0, 0, Entries(1, 1, 1, 1), 0), ActorRefs.NoSender);
        p2.ExpectMsg<AppendEntriesResult>(r => r.Success && r.MatchIndex == 3);
        peer.Tell(new AppendEntries(clusterId, "n2", 2, 3, 1, Entries(4, 2, 2), 4), ActorRefs.NoSender);
        p2.ExpectMsg<AppendEntriesResult>(r => r.Success && r.MatchIndex == 5);
        await SnapshotAsync(peer, stateMachine, 2);
        if (role == RaftRole.Follower) return;

        Advance(ElectionTimeout);
        p2.ExpectMsg<RequestVote>(rv => rv.Term == 3 && rv.LastLogIndex == 5);
        p3.ExpectMsg<RequestVote>(rv => rv.Term == 3 && rv.LastLogIndex == 5);
        if (role == RaftRole.Candidate) return;

        peer.Tell(new RequestVoteResult(clusterId, "n2", 3, true), ActorRefs.NoSender);
        p2.ExpectMsg<AppendEntries>(ae => ae.Term == 3 && ae.PrevLogIndex == 5 && ae.Entries.Count == 0);
        peer.Tell(new AppendEntriesResult(clusterId, "n2", 3, true, 5, 0, 0, 0), ActorRefs.NoSender);
        for (var index = 6; index <= 8; index++)
        {
            peer.Tell(new Propose(Command(index)), TestActor);
            ExpectMsg<ProposeAccepted>(a => a.Index == index && a.Term == 3);
        }
        p2.FishForMessage<AppendEntries>(ae => ae.LastIndex == 8);
        peer.Tell(new AppendEntriesResult(clusterId, "n2", 3, true, 7, 0, 0, 0), ActorRefs.NoSender);
        await AwaitAssertAsync(async () => Assert.Equal(7, (await StateOf(peer)).CommitIndex));
        await SnapshotAsync(peer, stateMachine, 6);
    }

    /// <summary>The state machine hands the peer a snapshot up to <paramref name="index"/>, and the peer compacts its log.</summary>
    private async Task SnapshotAsync(IActorRef peer, TestProbe stateMachine, long index)
    {
        peer.Tell(new Snapshot(index, StateMachineImage), stateMachine.Ref);
        await AwaitAssertAsync(async () => Assert.Equal(index, (await StateOf(peer)).SnapshotIndex));
    }

    /// <summary>The message as sent, with its entries and data spelt out (a record prints only their type).</summary>
    private static string Describe(IRaftMessage message) => message switch
    {
        AppendEntries ae => $"AppendEntries {{ From = {ae.From}, Term = {ae.Term}, PrevLogIndex = {ae.PrevLogIndex}, PrevLogTerm = {ae.PrevLogTerm}, " +
            $"Entries = [{string.Join(", ", ae.Entries.Select(e => $"{e.Index}@{e.Term}"))}], LeaderCommit = {ae.LeaderCommit}, AnswerSuccess = {ae.AnswerSuccess} }}",
        InstallSnapshot s => $"InstallSnapshot {{ From = {s.From}, Term = {s.Term}, LastIncludedIndex = {s.LastIncludedIndex}, LastIncludedTerm = {s.LastIncludedTerm}, " +
            $"Offset = {s.Offset}, Data = {s.Data.Length} bytes, Done = {s.Done} }}",
        _ => message.ToString()!.Replace($"ClusterId = {message.ClusterId}, ", ""),
    };
}
