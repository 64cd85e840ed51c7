using Akka.Configuration;
using AkkaRaft.Actors;

namespace AkkaRaft.Tests.Unit;

/// <summary>Defaults come from the embedded reference.conf; every incoherent configuration is refused, naming its key.</summary>
public sealed class RaftSettingsTests
{
    private const string ThreeMembers = "akka.raft.members = [n1, n2, n3]";

    private static RaftSettings FromHocon(string hocon) => RaftSettings.Create(ConfigurationFactory.ParseString(hocon));

    private static RaftSettings Defaults() => FromHocon(ThreeMembers);

    /// <summary>Reading <paramref name="hocon"/> (on top of three members) fails, and the message names <c>akka.raft.</c><paramref name="key"/>.</summary>
    private static void AssertRejected(string hocon, string key)
    {
        var ex = Assert.Throws<ConfigurationException>(() => FromHocon(ThreeMembers + "\n" + hocon));
        Assert.Contains($"{RaftSettings.ConfigPath}.{key}", ex.Message);
    }

    [Fact]
    public void Defaults_come_from_reference_conf()
    {
        // Reference: Raft paper §5.6 (broadcastTime ≪ electionTimeout ≪ MTBF); §9.3 (150–300ms timeouts measured)
        var settings = Defaults();

        Assert.Equal("akkaraft", settings.ClusterId);
        Assert.Equal("", settings.PeerId);
        Assert.Equal(new[] { "n1", "n2", "n3" }, settings.Members);
        Assert.Equal(TimeSpan.FromMilliseconds(300), settings.ElectionTimeoutMin);
        Assert.Equal(TimeSpan.FromMilliseconds(600), settings.ElectionTimeoutMax);
        Assert.Equal(TimeSpan.FromMilliseconds(100), settings.HeartbeatInterval);
        Assert.Equal(1000, settings.MaxEntriesPerMessage);
        Assert.Equal(1024 * 1024, settings.MaxBytesPerMessage);
        Assert.Equal(8, settings.MaxInflightMessages);
        Assert.True(settings.LeaderNoOp);
    }

    [Fact]
    public void Overrides_in_hocon_replace_the_defaults()
    {
        // Reference: Raft paper §5.6 (timeouts are deployment choices)
        var settings = FromHocon(ThreeMembers + """

            akka.raft {
              cluster-id = orders
              peer-id = n2
              election-timeout-min = 150ms
              election-timeout-max = 150ms
              heartbeat-interval = 50ms
              leader-no-op = off
              replication { max-entries-per-message = 64, max-bytes-per-message = 64 KiB, max-inflight-messages = 1 }
            }
            """);

        Assert.Equal("orders", settings.ClusterId);
        Assert.Equal("n2", settings.PeerId);
        Assert.Equal(TimeSpan.FromMilliseconds(150), settings.ElectionTimeoutMin);
        Assert.Equal(TimeSpan.FromMilliseconds(150), settings.ElectionTimeoutMax);
        Assert.Equal(TimeSpan.FromMilliseconds(50), settings.HeartbeatInterval);
        Assert.Equal(64, settings.MaxEntriesPerMessage);
        Assert.Equal(64 * 1024, settings.MaxBytesPerMessage);
        Assert.Equal(1, settings.MaxInflightMessages);
        Assert.False(settings.LeaderNoOp);
        Assert.True(settings.WithLeaderNoOp(true).WithPeerId("n1").LeaderNoOp); // copies keep it
    }

    [Theory]
    [InlineData("100ms")]
    [InlineData("300ms")]
    public void Heartbeat_not_shorter_than_the_minimum_election_timeout_is_refused(string heartbeat)
    {
        // Reference: Raft paper §5.6 (followers would time out between heartbeats)
        AssertRejected($"akka.raft {{ election-timeout-min = 100ms, heartbeat-interval = {heartbeat} }}", "heartbeat-interval");
    }

    [Fact]
    public void Minimum_election_timeout_above_the_maximum_is_refused()
    {
        // Reference: Raft paper §5.2 (timeouts are chosen randomly from a fixed interval)
        AssertRejected("akka.raft { election-timeout-min = 700ms, election-timeout-max = 600ms }", "election-timeout-min");
    }

    [Theory]
    [InlineData("election-timeout-min", "0ms")]
    [InlineData("election-timeout-max", "0ms")]
    [InlineData("heartbeat-interval", "0ms")]
    [InlineData("replication.max-entries-per-message", "0")]
    [InlineData("replication.max-entries-per-message", "-1")]
    [InlineData("replication.max-bytes-per-message", "0")]
    [InlineData("replication.max-inflight-messages", "0")]
    [InlineData("replication.max-inflight-messages", "-3")]
    public void Non_positive_values_are_refused(string key, string value)
    {
        // Reference: Raft paper §5.2, §5.6 (timeouts and batches need a positive size)
        AssertRejected($"akka.raft.{key} = {value}", key);
    }

    [Fact]
    public void Reads_default_to_read_index_and_lease_reads_are_opt_in()
    {
        // Reference: Raft thesis §6.4 (ReadIndex relies on no clock), §6.4.1 (leases rely on bounded clock drift)
        Assert.Equal(ReadMode.ReadIndex, Defaults().Reads);

        var lease = FromHocon(ThreeMembers + "\nakka.raft { reads = lease, lease-clock-drift = 20ms }");
        Assert.Equal(ReadMode.Lease, lease.Reads);
        Assert.Equal(TimeSpan.FromMilliseconds(20), lease.LeaseClockDrift);
        Assert.Equal(ReadMode.Lease, lease.WithPeerId("n1").Reads); // copies keep it
        // The drift bound matters only to leases: read-index peers may run timeouts shorter than it.
        Assert.Equal(ReadMode.ReadIndex, FromHocon(ThreeMembers + "\nakka.raft { election-timeout-min = 40ms, election-timeout-max = 80ms, heartbeat-interval = 10ms }").Reads);
    }

    [Theory]
    [InlineData("akka.raft { reads = lease, check-quorum = off }", "reads")]
    [InlineData("akka.raft.reads = quorum", "reads")]
    [InlineData("akka.raft { reads = lease, lease-clock-drift = 300ms }", "lease-clock-drift")]
    [InlineData("akka.raft.lease-clock-drift = -1ms", "lease-clock-drift")]
    public void Lease_reads_without_check_quorum_or_with_a_drift_bound_past_the_election_timeout_are_refused(string hocon, string key)
    {
        // Reference: Raft thesis §6.4.1 (without the vote lease, or with no time left, a lease proves nothing)
        AssertRejected(hocon, key);
    }

    [Fact]
    public void Empty_members_are_refused()
    {
        // Reference: Raft paper §5.1 (a cluster has servers)
        var ex = Assert.Throws<ConfigurationException>(() => FromHocon("akka.raft.members = []"));
        Assert.Contains("akka.raft.members", ex.Message);
    }

    [Fact]
    public void Missing_members_use_the_empty_default_and_are_refused()
    {
        // Reference: Raft paper §5.1
        var ex = Assert.Throws<ConfigurationException>(() => RaftSettings.Create(Config.Empty));
        Assert.Contains("akka.raft.members", ex.Message);
    }

    [Fact]
    public void Duplicated_member_is_refused()
    {
        // Reference: Raft paper §5.2 (a majority counts distinct servers)
        var ex = Assert.Throws<ConfigurationException>(() => FromHocon("akka.raft.members = [n1, n2, n1]"));
        Assert.Contains("akka.raft.members", ex.Message);
        Assert.Contains("'n1'", ex.Message);
    }

    [Fact]
    public void Empty_member_id_is_refused()
    {
        // Reference: Raft paper §5.1 (every server has an identity)
        var ex = Assert.Throws<ConfigurationException>(() => FromHocon("akka.raft.members = [n1, \"\", n3]"));
        Assert.Contains("akka.raft.members", ex.Message);
    }

    [Fact]
    public void Peer_id_outside_the_members_is_refused()
    {
        // Reference: Raft paper §5.1
        AssertRejected("akka.raft.peer-id = n4", "peer-id");
    }

    [Theory]
    [InlineData("election-timeout-min", "soon")]
    [InlineData("heartbeat-interval", "often")]
    [InlineData("replication.max-entries-per-message", "many")]
    [InlineData("replication.max-bytes-per-message", "big")]
    [InlineData("leader-no-op", "sometimes")]
    public void Malformed_value_is_refused(string key, string value)
    {
        // Reference: Raft paper §5.6 (the timing requirement can only be checked on readable values)
        AssertRejected($"akka.raft.{key} = \"{value}\"", key);
    }

    [Fact]
    public void WithPeerId_accepts_a_member()
    {
        // Reference: Raft paper §5.1
        Assert.Equal("n3", Defaults().WithPeerId("n3").PeerId);
    }

    [Theory]
    [InlineData("n4")]
    [InlineData("N1")]
    [InlineData(" ")]
    public void WithPeerId_refuses_a_non_member(string peerId)
    {
        // Reference: Raft paper §5.1
        var ex = Assert.Throws<ConfigurationException>(() => Defaults().WithPeerId(peerId));
        Assert.Contains("akka.raft.peer-id", ex.Message);
    }

    [Fact]
    public void WithMembers_refuses_a_list_without_the_peer()
    {
        // Reference: Raft paper §5.1
        var ex = Assert.Throws<ConfigurationException>(() => Defaults().WithPeerId("n1").WithMembers(new[] { "n2", "n3" }));
        Assert.Contains("akka.raft.peer-id", ex.Message);
    }

    [Fact]
    public void WithElectionTimeout_validates_like_hocon()
    {
        // Reference: Raft paper §5.6
        var ex = Assert.Throws<ConfigurationException>(() =>
            Defaults().WithElectionTimeout(TimeSpan.FromMilliseconds(80), TimeSpan.FromMilliseconds(90)));
        Assert.Contains("akka.raft.heartbeat-interval", ex.Message);
    }

    [Fact]
    public void Props_refuses_an_unset_peer_id()
    {
        // Reference: Raft paper §5.1 (a peer votes and persists under its own identity)
        var ex = Assert.Throws<ConfigurationException>(() =>
            RaftActor.Props(Defaults(), RaftPeers.FromRefs(Routes("n2", "n3"))));
        Assert.Contains("akka.raft.peer-id", ex.Message);
    }

    [Fact]
    public void Props_refuses_a_missing_route_to_a_member()
    {
        // Reference: Raft paper §5.2 (a candidate asks every other server for its vote)
        var ex = Assert.Throws<ConfigurationException>(() =>
            RaftActor.Props(Defaults().WithPeerId("n1"), RaftPeers.FromRefs(Routes("n2"))));
        Assert.Contains("n3", ex.Message);
        Assert.Contains("akka.raft.members", ex.Message);
    }

    [Theory]
    [InlineData("n4")]
    [InlineData("n1")] // a route to itself: this peer is not one of its own "others"
    public void Props_refuses_a_route_to_a_non_member(string stranger)
    {
        // Reference: Raft paper §5.2 (only members vote; a stray route would count a stranger)
        var ex = Assert.Throws<ConfigurationException>(() =>
            RaftActor.Props(Defaults().WithPeerId("n1"), RaftPeers.FromRefs(Routes("n2", "n3", stranger))));
        Assert.Contains(stranger, ex.Message);
    }

    [Fact]
    public void Props_accepts_exactly_the_other_members()
    {
        // Reference: Raft paper §5.1
        var props = RaftActor.Props(Defaults().WithPeerId("n1"), RaftPeers.FromRefs(Routes("n2", "n3")));

        Assert.NotNull(props);
    }

    private static Dictionary<string, IActorRef> Routes(params string[] ids) =>
        ids.ToDictionary(id => id, _ => (IActorRef)ActorRefs.Nobody);

    [Fact]
    public void A_joining_peer_has_an_id_but_no_members()
    {
        // Raft thesis §4: a server added to a running group learns the configuration from the leader that adds it.
        var settings = FromHocon("akka.raft { join = on, members = [], peer-id = n4 }");

        Assert.True(settings.Join);
        Assert.Empty(settings.Members);
        Assert.Equal("n4", settings.PeerId);
        Assert.Equal("n5", settings.WithPeerId("n5").PeerId);
    }
}
