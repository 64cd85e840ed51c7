using Akka.TestKit.Xunit2;
using AkkaRaft.KeyValue;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.KeyValue;

/// <summary>Client sessions registered through the log and expired by a rule the log decides (Raft thesis §6.3).</summary>
[Collection(TimingCollection.Name)]
public sealed class KvSessionTests : Akka.TestKit.Xunit2.TestKit
{
    public KvSessionTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) { }

    [Fact]
    public async Task A_restarted_application_gets_a_new_session_so_its_first_write_is_applied()
    {
        // Reference: Raft thesis §6.3: a session id must be unique across client restarts, or the restarted client's
        // first requests are taken for retries of its earlier run's and acknowledged without being applied.
        using var cfg = new KvCluster(Sys, 3, unreliable: false);
        var before = cfg.MakeClient([0, 1, 2]);
        Assert.True((await before.PutAsync("k", "old")).IsOk);

        var after = cfg.RestartClient(before); // the same application, built again
        Assert.True((await after.PutAsync("k", "new")).IsOk);
        Assert.Equal("new", (await after.GetAsync("k")).Value);
        Assert.Equal("new", (await before.GetAsync("k")).Value);
        Assert.NotEqual(before.SessionId, after.SessionId);
    }

    [Fact]
    public async Task A_retried_write_whose_session_was_evicted_is_refused_not_applied_twice()
    {
        // Reference: Raft thesis §6.3: once a session has expired, a retry of its write must be refused; applying it
        // again would duplicate it, acknowledging it without applying would be a lie.
        using var cfg = new KvCluster(Sys, 3, unreliable: false, kvOptions: new KvServerOptions { MaxSessions = 2 });
        var all = new[] { 0, 1, 2 };
        var a = cfg.MakeClient(all);
        Assert.True((await a.AppendAsync("k", "x")).IsOk);
        var session = a.SessionId;

        // Two more clients register: the table holds two, so a's session, the least recently active, is evicted.
        Assert.True((await cfg.MakeClient(all).AppendAsync("other", "1")).IsOk);
        Assert.True((await cfg.MakeClient(all).AppendAsync("other", "2")).IsOk);

        // a's first append, retried exactly as it was sent (say its answer had been lost).
        var leader = await cfg.Leader();
        var retry = await cfg.Send(a, leader, new KvRequest(session, 1, KvOperation.Append, "k", "x"));
        Assert.Equal(KvStatus.SessionExpired, retry.Status);
        Assert.Equal("x", (await a.GetAsync("k")).Value);

        // Through the client: its next write is refused and reported, then it registers anew and goes on.
        Assert.Equal(KvOutcome.SessionExpired, (await a.AppendAsync("k", "y")).Outcome);
        Assert.Equal("x", (await a.GetAsync("k")).Value);
        Assert.True((await a.AppendAsync("k", "z")).IsOk);
        Assert.NotEqual(session, a.SessionId);
        Assert.Equal("xz", (await a.GetAsync("k")).Value);
    }

    [Fact]
    public void The_session_bound_must_be_at_least_one_and_the_error_names_it()
    {
        var settings = AkkaRaft.Actors.RaftSettings.Create(Akka.Configuration.ConfigurationFactory.ParseString(
            "akka.raft { members = [\"n1\"], peer-id = \"n1\" }"));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            KvServer.Props(settings, AkkaRaft.Actors.RaftPeers.FromRefs(new Dictionary<string, IActorRef>()), kvOptions: new KvServerOptions { MaxSessions = 0 }));
        Assert.Contains("KvServerOptions.MaxSessions", e.Message);
    }
}
