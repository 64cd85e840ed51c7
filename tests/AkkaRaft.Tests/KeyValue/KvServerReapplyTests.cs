using Akka.Configuration;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.KeyValue;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.KeyValue;

/// <summary>
/// A peer restarted by its supervisor applies again, from its snapshot or from index 1, to the state machine that
/// already holds those entries: the server must apply each index once.
/// </summary>
public sealed class KvServerReapplyTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit("akka.loglevel = WARNING", output)
{
    [Fact]
    public void Entries_applied_again_after_a_peer_restart_are_not_applied_twice()
    {
        // Reference: Raft paper Figure 2 (lastApplied: each entry is applied once), thesis §6.3 (a session is
        // registered once, at its register entry's index)
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Akka.Event.Error));
        var settings = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft { cluster-id = reapply, members = [n1] }")).WithPeerId("n1")
            .WithElectionTimeout(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
        var server = Sys.ActorOf(KvServer.Props(settings, RaftPeers.FromRefs(new Dictionary<string, IActorRef>())));
        var register = new Applied("n1", 1, 1, new KvRegisterCommand(100, 7).Encode());
        var write = new Applied("n1", 2, 1, new KvWriteCommand(1, 1, KvOperation.Append, "k", "x").Encode());

        foreach (var applied in new[] { register, write, register, write }) server.Tell(applied);
        server.Tell(new SnapshotRequested("n1", 2), TestActor);

        var snapshot = ExpectMsg<Snapshot>();
        var state = new KvState();
        state.Restore(snapshot.State);
        Assert.Equal("x", state.Get("k"));
        errors.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
