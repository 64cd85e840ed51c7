using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>What a leader reports of its followers in <see cref="RaftState.Followers"/>.</summary>
public sealed class FollowerContactTests : VirtualTimePeerTest
{
    public FollowerContactTests(ITestOutputHelper output) : base(output) { }

    [Fact]
    public async Task A_leader_reports_which_followers_it_has_heard_from_in_its_term()
    {
        var leader = await StartLeaderAsync();
        leader.Tell(new AppendEntriesResult(ClusterId, "n2", 1, true, 0, 0, 0, 0), P2.Ref);

        var state = await StateOf(leader);

        var followers = Assert.IsAssignableFrom<IReadOnlyList<FollowerContact>>(state.Followers).ToDictionary(f => f.PeerId);
        Assert.Equal(["n2", "n3"], followers.Keys.Order());
        Assert.NotNull(followers["n2"].SinceHeard);
        Assert.True(followers["n2"].SinceHeard >= TimeSpan.Zero);
        Assert.Null(followers["n3"].SinceHeard);
    }

    [Fact]
    public async Task A_follower_reports_no_followers()
    {
        var peer = await StartPeerAsync();

        Assert.Null((await StateOf(peer)).Followers);
    }
}
