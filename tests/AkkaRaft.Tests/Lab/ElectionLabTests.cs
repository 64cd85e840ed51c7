using Akka.TestKit.Xunit2;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Lab;

/// <summary>Ports of the lab's part 2A tests (election), names kept. Reference: Raft paper §5.2.</summary>
[Collection(TimingCollection.Name)]
public sealed class ElectionLabTests : Akka.TestKit.Xunit2.TestKit
{
    public ElectionLabTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) { }

    [Fact]
    public async Task InitialElection2A()
    {
        using var cfg = new RaftCluster(Sys, 3);

        // Is a leader elected?
        await cfg.CheckOneLeader();

        // Does the leader's heartbeat keep every peer in the same term?
        var term1 = await cfg.CheckTerms();
        Assert.True(term1 >= 1, $"term is {term1}, but should be at least 1");

        // With no failure, the term does not change over two election timeouts (the scenario's own wait).
        await Task.Delay(2 * cfg.ElectionTimeout);
        var term2 = await cfg.CheckTerms();
        Assert.Equal(term1, term2);

        // There is still a leader.
        await cfg.CheckOneLeader();
    }

    [Fact]
    public async Task ReElection2A()
    {
        using var cfg = new RaftCluster(Sys, 3);
        var leader1 = await cfg.CheckOneLeader();

        // If the leader disconnects, a new one is elected.
        cfg.Disconnect(leader1);
        await cfg.CheckOneLeader();

        // If the old leader rejoins, that does not disturb the new leader; there is still exactly one.
        cfg.Connect(leader1);
        var leader2 = await cfg.CheckOneLeader();

        // With no quorum, no new leader is elected.
        cfg.Disconnect(leader2);
        cfg.Disconnect((leader2 + 1) % 3);
        await Task.Delay(2 * cfg.ElectionTimeout);
        await cfg.CheckNoLeader();

        // With a quorum back, a leader is elected.
        cfg.Connect((leader2 + 1) % 3);
        await cfg.CheckOneLeader();

        // Rejoining the last peer leaves a leader in place.
        cfg.Connect(leader2);
        await cfg.CheckOneLeader();
    }

    [Fact]
    public async Task ManyElections2A()
    {
        const int servers = 7;
        using var cfg = new RaftCluster(Sys, servers);
        await cfg.CheckOneLeader();

        var random = new Random(4242);
        for (var round = 0; round < 10; round++)
        {
            // Disconnect three peers at random (possibly the same one more than once, as the lab does).
            var i1 = random.Next(servers);
            var i2 = random.Next(servers);
            var i3 = random.Next(servers);
            cfg.Disconnect(i1);
            cfg.Disconnect(i2);
            cfg.Disconnect(i3);

            // Either the current leader is still alive, or the remaining four elect a new one.
            await cfg.CheckOneLeader();

            cfg.Connect(i1);
            cfg.Connect(i2);
            cfg.Connect(i3);
        }
        await cfg.CheckOneLeader();
    }
}
