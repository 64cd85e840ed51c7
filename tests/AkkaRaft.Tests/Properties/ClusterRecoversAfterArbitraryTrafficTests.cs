using System.Collections.Concurrent;
using Akka.Event;
using Akka.TestKit.Xunit2;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.TestKit;
using CsCheck;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Properties;

/// <summary>
/// Once arbitrary traffic stops, a correct cluster is still live: a three-peer cluster on the simulated network
/// elects a leader and commits, its peers are blasted with random messages claiming to come from the other members,
/// and then, with the blast over, a leader must be elected and a new command committed on a majority, with no peer
/// restarted. Reference: Raft paper §5.2 (a leader is elected), §5.3 (a leader's entry commits once a majority
/// stores it).
/// <para>
/// Real time, so the test runs in the non-parallel timing collection. Terms of long.MaxValue - 1 are left out here:
/// a cluster that has adopted it has one election left in it, after which even a correct cluster has no term to
/// campaign in; the per-role tests send such terms.
/// </para>
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class ClusterRecoversAfterArbitraryTrafficTests : Akka.TestKit.Xunit2.TestKit
{
    private const int Samples = 8;
    private const int MinBlast = 40;
    private const int MaxBlast = 120;

    private readonly ITestOutputHelper _output;

    public ClusterRecoversAfterArbitraryTrafficTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) => _output = output;

    /// <summary>One message of the blast: the peer it goes to (0..2), and what it says.</summary>
    private sealed record Aimed(int Target, WireStep Step)
    {
        public override string ToString() => $"to {RaftCluster.Id(Target)}: {Step}";
    }

    [Fact]
    public async Task Cluster_elects_a_leader_and_commits_once_arbitrary_traffic_stops()
    {
        var blast = Gen.Select(Gen.Int[0, 2], WireTraffic.Step(nearMax: false, withTime: false), (t, s) => new Aimed(t, s is MessageStep m ? FromAnotherMember(m, t) : s)).Array[MinBlast, MaxBlast];
        var sent = 0;
        await blast.SampleAsync(async aimed => sent += await RunSampleAsync(aimed),
            writeLine: _output.WriteLine, iter: Samples, threads: 1,
            print: a => Environment.NewLine + string.Join(Environment.NewLine, a.Select((m, i) => $"  {i + 1}. {m}")));
        _output.WriteLine($"{sent} random Raft messages in {Samples} blasts");
    }

    private async Task<int> RunSampleAsync(Aimed[] blast)
    {
        var restarts = new ConcurrentQueue<string>();
        var recorder = Sys.ActorOf(Props.Create(() => new ErrorRecorder(restarts)));
        Sys.EventStream.Subscribe(recorder, typeof(Error));
        using var cluster = new RaftCluster(Sys, 3);
        try
        {
            // Logs worth having: two committed entries on every peer before the blast.
            await cluster.One(1, 3, retry: true);
            await cluster.One(2, 3, retry: true);

            var sent = 0;
            foreach (var (target, step) in blast)
            {
                var state = await cluster.GetState(target) ?? throw new InvalidOperationException($"{RaftCluster.Id(target)} did not answer GetState");
                switch (step)
                {
                    case MessageStep m:
                        cluster.Peer(target)!.Tell(m.Resolve(cluster.Settings.ClusterId, state), ActorRefs.NoSender);
                        sent++;
                        break;
                    case ProposeStep p:
                        await cluster.Propose(target, [p.Command]);
                        break;
                }
            }

            // The blast is over: Raft §5.2, a leader is elected; §5.3, a new command commits on a majority.
            try
            {
                await CommitsOnAMajorityAsync(cluster);
            }
            catch (Exception e) when (e is RaftTestKitException or XunitException)
            {
                var states = await Task.WhenAll(Enumerable.Range(0, cluster.N).Select(cluster.GetState));
                throw new XunitException($"{e.Message}. The peers then: {string.Join("; ", states.Select((st, i) => $"{RaftCluster.Id(i)} {st}"))}" +
                    (restarts.IsEmpty ? "" : $". Before that a peer threw and was restarted: {string.Join("; ", restarts)}"));
            }
            for (var i = 0; i < cluster.N; i++)
            {
                var state = await cluster.GetState(i);
                Assert.True(state is not null && state.Term >= 0, $"{RaftCluster.Id(i)} reports {state}");
            }
            Assert.True(restarts.IsEmpty, "a peer threw and was restarted: " + string.Join("; ", restarts));
            return sent;
        }
        finally
        {
            Sys.EventStream.Unsubscribe(recorder);
            Sys.Stop(recorder);
        }
    }

    /// <summary>
    /// Waits up to 10 s for a leader whose new command a majority holds as committed in the leader's term (their commit
    /// index reaches it). Commitment is read from the peers, not from what their state machines applied: messages
    /// that claim to come from a leader of the current term (a member lying, outside Raft's crash-fault model) can
    /// make two peers apply different commands, which says nothing of whether the cluster is live again.
    /// </summary>
    private static async Task CommitsOnAMajorityAsync(RaftCluster cluster)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var leader = await cluster.CheckOneLeader();
            if (await cluster.Propose(leader, RaftCluster.Cmd(1000)) is ProposeAccepted accepted)
            {
                while (DateTime.UtcNow < deadline)
                {
                    var states = await Task.WhenAll(Enumerable.Range(0, cluster.N).Select(cluster.GetState));
                    if (states.Count(st => st is not null && st.Term == accepted.Term && st.CommitIndex >= accepted.Index) > cluster.N / 2) return;
                    if (states.All(st => st is null || st.Term != accepted.Term || !st.IsLeader)) break; // leadership moved: propose again
                    await Task.Delay(50);
                }
            }
            await Task.Delay(50);
        }
        throw new XunitException("no command committed on a majority within 10 s of the end of the blast");
    }

    /// <summary>
    /// The generated senders are "n2" and "n3"; to peer <paramref name="target"/> they stand for its first and second
    /// other member. Snapshot chunks are never the last one: a complete snapshot from a member claiming to lead is, by
    /// design, installed as the state machine's new state (§7), so random bytes there would fail the harness's state
    /// machine without saying anything of Raft's liveness; the per-role tests send complete ones.
    /// </summary>
    private static MessageStep FromAnotherMember(MessageStep step, int target)
    {
        var others = Enumerable.Range(0, 3).Where(j => j != target).Select(RaftCluster.Id).ToArray();
        var from = step.From == "n2" ? others[0] : others[1];
        return step is SnapshotStep chunk ? chunk with { From = from, Done = false } : step with { From = from };
    }

    /// <summary>Akka logs every restart as an Error carrying the exception; errors without one are the peer's own warnings.</summary>
    private sealed class ErrorRecorder : ReceiveActor
    {
        public ErrorRecorder(ConcurrentQueue<string> restarts) =>
            Receive<Error>(e =>
            {
                if (e.Cause is not null) restarts.Enqueue($"{e.LogSource}: {e.Cause.GetType().Name}: {e.Cause.Message}");
            });
    }
}
