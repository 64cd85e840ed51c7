using Akka.Hosting;
using AkkaRaft.Actors;
using AkkaRaft.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AkkaRaft.Tests.Hosting;

/// <summary>
/// A lone peer started by WithRaft in a generic host, writing to a journal given as Akka.Persistence.Hosting options,
/// elects itself, and is found through the registry and DI.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class WithRaftTests : IAsyncLifetime
{
    private HostedAkka _host = null!;

    public async Task InitializeAsync() =>
        _host = await HostedAkka.StartAsync("with-raft", builder => builder
            .WithRaft(o =>
            {
                o.PeerId = "n1";
                o.ClusterId = "hosting-lone";
                o.Members["n1"] = null;
                o.Journal = RaftJournal.FromOptions(new TestMemoryJournalOptions());
            })
            .WithRaftHealthCheck());

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Lone_peer_elects_itself_and_IRequiredActor_resolves_it()
    {
        var peer = await _host.Host.Services.GetRequiredService<IRequiredActor<RaftPeer>>().GetAsync();
        Assert.Equal("/user/raft", peer.Path.ToStringWithoutAddress());
        Assert.Equal(peer, _host.Registry.Get<RaftPeer>());
        RaftState? state = null;
        await HostedAkka.Until(TimeSpan.FromSeconds(10), async () =>
        {
            state = await peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(1));
            return state.IsLeader;
        }, () => $"n1 is {state?.Role} in term {state?.Term}");
        var accepted = await peer.Ask<ProposeAccepted>(new Propose([1, 2, 3]), TimeSpan.FromSeconds(3));
        Assert.True(accepted.Index > 0);
        // The journal options reached the system's configuration, under their own plugin id.
        Assert.Equal("Akka.Persistence.Journal.MemoryJournal, Akka.Persistence",
            _host.System.Settings.Config.GetString("akka.persistence.journal.hosting-test-memory.class"));
    }

    [Fact]
    public async Task Health_check_is_healthy_with_a_leader_through_the_host_health_checks()
    {
        HealthReportEntry entry = default;
        await HostedAkka.Until(TimeSpan.FromSeconds(10), async () =>
        {
            entry = await _host.CheckAsync("raft");
            return entry.Status == HealthStatus.Healthy;
        }, () => $"{entry.Status}: {entry.Description}");
        Assert.Contains("n1 leads term", entry.Description);
        Assert.Contains("raft", entry.Tags);
        Assert.Contains("akka", entry.Tags); // added by Akka.Hosting to every check registered through it
    }
}
