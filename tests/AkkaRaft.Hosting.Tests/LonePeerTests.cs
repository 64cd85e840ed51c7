using Akka.Actor;
using Akka.Hosting;
using AkkaRaft.Actors;
using AkkaRaft.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit;

namespace AkkaRaft.Hosting.Tests;

/// <summary>
/// A lone peer started by <c>WithRaft</c> in the TestKit's host elects itself, is what <c>IRequiredActor&lt;RaftPeer&gt;</c>
/// resolves to, and its health check, run by the host's <see cref="HealthCheckService"/>, reports Healthy with it as leader.
/// </summary>
public sealed class LonePeerTests : Akka.Hosting.TestKit.TestKit
{
    public LonePeerTests() : base(actorSystemName: "lone-peer") { }

    protected override void ConfigureServices(Microsoft.Extensions.Hosting.HostBuilderContext context, IServiceCollection services) =>
        services.AddHealthChecks();

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) => builder
        .WithRaft(o =>
        {
            o.PeerId = "n1";
            o.ClusterId = "hosting-testkit";
            o.Members["n1"] = null;
            o.Journal = RaftJournal.InMemory;
        })
        .WithRaftHealthCheck();

    [Fact]
    public async Task Lone_peer_elects_itself_and_IRequiredActor_resolves_to_it()
    {
        var cancel = TestContext.Current.CancellationToken;
        var peer = await Host.Services.GetRequiredService<IRequiredActor<RaftPeer>>().GetAsync(cancel);
        Assert.Equal("/user/raft", peer.Path.ToStringWithoutAddress());
        Assert.Equal(peer, ActorRegistry.Get<RaftPeer>());
        await AwaitAssertAsync(async () =>
        {
            var state = await peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(1), cancel);
            Assert.True(state.IsLeader, $"n1 is {state.Role} in term {state.Term}");
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50), cancel);
        // The journal is the in-memory one, so a leader's proposal is committed without touching disk.
        var accepted = await peer.Ask<ProposeAccepted>(new Propose([1, 2, 3]), TimeSpan.FromSeconds(3), cancel);
        Assert.True(accepted.Index > 0, $"accepted at index {accepted.Index}");
    }

    [Fact]
    public async Task Health_check_reports_healthy_with_the_leader()
    {
        var cancel = TestContext.Current.CancellationToken;
        var health = Host.Services.GetRequiredService<HealthCheckService>();
        HealthReportEntry entry = default;
        await AwaitAssertAsync(async () =>
        {
            var report = await health.CheckHealthAsync(r => r.Name == "raft", cancel);
            entry = Assert.Single(report.Entries).Value;
            Assert.True(entry.Status == HealthStatus.Healthy, $"{entry.Status}: {entry.Description}");
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50), cancel);
        Assert.Contains("n1 leads term", entry.Description);
        Assert.Contains("raft", entry.Tags);
    }
}
