using Akka.Configuration;
using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Tests.Durability;

/// <summary>
/// Peer n1 of {n1, n2, n3} with probes standing in for n2 and n3, on real time but with election timeouts so
/// long that it never campaigns by itself: it only reacts to what a test sends it.
/// </summary>
internal sealed class SinglePeer
{
    public const string ClusterId = "dur";
    private readonly ActorSystem _system;
    private int _incarnation;

    public SinglePeer(TestKitBase kit)
    {
        _system = kit.Sys;
        N2 = kit.CreateTestProbe("n2");
        N3 = kit.CreateTestProbe("n3");
        Settings = RaftSettings.Create(ConfigurationFactory.ParseString(
                $"akka.raft {{ cluster-id = {ClusterId}, members = [n1, n2, n3] }}"))
            .WithPeerId("n1")
            .WithElectionTimeout(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60))
            .WithHeartbeatInterval(TimeSpan.FromSeconds(1))
            // The tests check Figure 2's rules on one peer: a timeout starts an election at once, a follower answers every
            // vote request, and the indexes are those of what the tests propose.
            .WithPreVote(false)
            .WithCheckQuorum(false)
            .WithLeaderNoOp(false);
        Routes = RaftPeers.FromRefs(new Dictionary<string, IActorRef> { ["n2"] = N2.Ref, ["n3"] = N3.Ref });
    }

    public TestProbe N2 { get; }
    public TestProbe N3 { get; }
    public RaftSettings Settings { get; }
    public RaftPeers Routes { get; }

    /// <summary>A new incarnation of n1 from its journal; returns once it has recovered and answers.</summary>
    public async Task<IActorRef> Start()
    {
        var peer = _system.ActorOf(RaftActor.Props(Settings, Routes), $"n1-{++_incarnation}");
        await State(peer);
        return peer;
    }

    /// <summary>n1 under the backoff supervisor; returns once it answers.</summary>
    public async Task<IActorRef> StartSupervised(TimeSpan minBackoff)
    {
        var supervisor = _system.ActorOf(RaftActor.SupervisedProps(Settings, Routes, minBackoff: minBackoff, maxBackoff: minBackoff * 4), $"n1-supervised-{++_incarnation}");
        await State(supervisor);
        return supervisor;
    }

    /// <summary>Stops the peer as a crash would: no goodbye, only what its journal holds survives.</summary>
    public async Task Crash(IActorRef peer)
    {
        var stopped = peer.WatchAsync();
        _system.Stop(peer);
        await stopped;
    }

    public static Task<RaftState> State(IActorRef peer) => peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(5));

    public static AppendEntries Append(string from, long term, long prevIndex, long prevTerm, long commit, params (long Index, long Term)[] entries) =>
        new(ClusterId, from, term, prevIndex, prevTerm, entries.Select(e => new AkkaRaft.Actors.Protocol.LogEntry(e.Index, e.Term, [(byte)e.Index])).ToArray(), commit);

    public static RequestVote Vote(string from, long term, long lastIndex = 0, long lastTerm = 0) => new(ClusterId, from, term, lastIndex, lastTerm);
}
