using Akka.Configuration;
using AkkaRaft.Actors;
using AkkaRaft.KeyValue;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.KeyValue;

/// <summary>What the key-value server does with a write its leader refused because leadership is being handed over.</summary>
public sealed class KvTransferTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit("akka.loglevel = WARNING", output)
{
    [Fact]
    public async Task A_write_the_leader_refused_during_a_transfer_is_answered_retry()
    {
        // Reference: Raft thesis §3.10 (requests refused during a transfer are retried by clients), §6.3
        var settings = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft { cluster-id = kvt, members = [n1, n2] }")).WithPeerId("n1")
            .WithElectionTimeout(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
        var server = Sys.ActorOf(KvServer.Props(settings, RaftPeers.FromRefs(new Dictionary<string, IActorRef> { ["n2"] = CreateTestProbe().Ref })));
        await server.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(10)); // its peer recovered and said it follows
        // The server takes its role from its peer's announcements: told it leads, it proposes the write.
        Sys.EventStream.Publish(new RaftRoleChanged("kvt", "n1", 1, RaftRole.Leader, "n1"));
        server.Tell(new KvRequest(1, 1, KvOperation.Put, "k", "v"), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // pending: its peer, a follower, appended nothing

        server.Tell(new TransferInProgress("n1", "n2", new Propose(new KvWriteCommand(1, 1, KvOperation.Put, "k", "v").Encode())));

        var answer = ExpectMsg<KvResponse>();
        Assert.Equal((1L, 1L, KvStatus.Retry), (answer.SessionId, answer.Sequence, answer.Status));
    }
}
