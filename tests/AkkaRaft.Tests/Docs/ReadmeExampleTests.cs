// The README's first example, compiled and run here so that it cannot go stale. ReadmeTests checks that the
// README shows exactly the code between the two markers (whitespace aside); change both together.

// README example: begin
using Akka.Actor;
using Akka.Configuration;
using AkkaRaft.Actors;
using Xunit;

public class LonePeerTests : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public void Lone_peer_elects_itself()
    {
        var settings = RaftSettings.Create(ConfigurationFactory.ParseString(
            "akka.raft { cluster-id = t, members = [n1] }")).WithPeerId("n1");
        var peer = Sys.ActorOf(RaftActor.SupervisedProps(settings, RaftPeers.FromRefs(new Dictionary<string, IActorRef>())));
        AwaitAssert(() => Assert.True(peer.Ask<RaftState>(GetState.Instance).Result.IsLeader));
    }
}
// README example: end
