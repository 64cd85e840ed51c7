using System.Collections.Concurrent;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.ClusterMembership;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.ClusterMembership;

/// <summary>
/// A member leaving the cluster hears, as its cluster extension shuts down, that every other member was Removed. Its
/// <see cref="RaftClusterMembership"/> must not act on that, or a leader on its way out removes healthy voters.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class LeavingMemberTests : Akka.TestKit.Xunit2.TestKit
{
    public LeavingMemberTests(ITestOutputHelper output) : base("akka.loglevel = INFO", output: output) { }

    [Fact]
    public async Task A_leader_whose_member_leaves_the_cluster_removes_no_one()
    {
        // Reference: Raft thesis §4.1 (only the operator's decisions change the configuration)
        var config = ConfigurationFactory.ParseString(ClusterMembershipNodes.TestSystem);
        ActorSystem Start(string id)
        {
            var system = ActorSystem.Create("membership", ConfigurationFactory.ParseString($"akka.cluster.roles = [raft, \"raft-id:{id}\"]").WithFallback(config));
            InitializeLogger(system);
            return system;
        }
        var leaving = Start("n1");
        var staying = Start("n2");
        try
        {
            var leavingAddress = Akka.Cluster.Cluster.Get(leaving).SelfAddress;
            Akka.Cluster.Cluster.Get(leaving).Join(leavingAddress);
            Akka.Cluster.Cluster.Get(staying).Join(leavingAddress);

            // The peer beside the component: a probe that leads a group of n1 and n2, both voters.
            var asked = new ConcurrentQueue<object>();
            var peer = CreateTestProbe();
            peer.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
            {
                asked.Enqueue(message);
                if (message is GetState) sender.Tell(new RaftState("n1", 1, RaftRole.Leader, "n1", 1, 1, 1));
                if (message is GetMembers)
                    sender.Tell(new Members("n1", "n1", 0, true, 1, [new MemberInfo("n1", "n1-path", true, 1), new MemberInfo("n2", "n2-path", true, 1)]));
                return AutoPilot.KeepRunning;
            }));
            var settings = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft { members = [n1, n2], peer-id = n1, membership.mode = akka-cluster }"));
            leaving.ActorOf(RaftClusterMembership.Props(peer.Ref, settings, new RaftClusterMembershipSettings { MinVoters = 1 }), "raft-membership");

            await AwaitAssertAsync(() => Assert.Equal(2, Akka.Cluster.Cluster.Get(leaving).State.Members.Count(m => m.Status == MemberStatus.Up)),
                TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
            await AwaitConditionAsync(() => Task.FromResult(asked.OfType<GetMembers>().Any()), TimeSpan.FromSeconds(10));

            Akka.Cluster.Cluster.Get(leaving).Leave(leavingAddress);
            await leaving.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(20));

            // Everything the component sent is in the queue once its system has terminated.
            Assert.DoesNotContain(asked, m => m is RemoveMember);
            Assert.DoesNotContain(asked, m => m is AddVoter);
        }
        finally
        {
            await Task.WhenAll(leaving.Terminate(), staying.Terminate());
        }
    }
}
