using Akka.Configuration;
using Akka.Hosting;
using AkkaRaft.Actors;
using AkkaRaft.Hosting;
using AkkaRaft.KeyValue;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRaft.Tests.Hosting;

/// <summary>
/// RaftOptions render only what was set into an <c>akka.raft</c> section that RaftSettings reads back, and bad options
/// fail when WithRaft is called, with a one-line message naming the option.
/// </summary>
public class RaftOptionsTests
{
    private static RaftOptions Three() => new()
    {
        PeerId = "n1",
        Members = new Dictionary<string, string?>
        {
            ["n1"] = null,
            ["n2"] = "akka.tcp://app@127.0.0.1:4002/user/raft",
            ["n3"] = "akka.tcp://app@127.0.0.1:4003/user/raft",
        },
    };

    private static AkkaConfigurationBuilder Builder() => new(new ServiceCollection(), "options-test");

    [Fact]
    public void Unset_options_render_no_key_and_keep_the_defaults()
    {
        var hocon = Three().ToHocon();
        Assert.DoesNotContain("election-timeout", hocon);
        Assert.DoesNotContain("cluster-id", hocon);
        var settings = RaftSettings.Create(ConfigurationFactory.ParseString(hocon));
        var defaults = RaftSettings.DefaultConfig().GetConfig(RaftSettings.ConfigPath);
        Assert.Equal("n1", settings.PeerId);
        Assert.Equal(["n1", "n2", "n3"], settings.Members.ToArray());
        Assert.Equal(defaults.GetTimeSpan("election-timeout-min"), settings.ElectionTimeoutMin);
        Assert.Equal(defaults.GetString("cluster-id"), settings.ClusterId);
        Assert.Equal(defaults.GetBoolean("pre-vote"), settings.PreVote);
    }

    [Fact]
    public void Set_options_render_to_the_keys_RaftSettings_reads()
    {
        var options = Three();
        options.ClusterId = "orders \"eu\"";
        options.ElectionTimeoutMin = TimeSpan.FromMilliseconds(150);
        options.ElectionTimeoutMax = TimeSpan.FromMilliseconds(250);
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(40);
        options.PreVote = false;
        options.CheckQuorum = true;
        options.LeaderNoOp = false;
        options.Reads = ReadMode.Lease;
        options.LeaseClockDrift = TimeSpan.FromMilliseconds(20);
        options.MaxEntriesPerMessage = 64;
        options.MaxBytesPerMessage = 100_000;
        options.MaxInflightMessages = 2;
        options.SnapshotLogEntries = 5000;
        options.SnapshotLogBytes = 1 << 20;

        var hocon = options.ToHocon();
        Assert.Contains("election-timeout-min = 150ms", hocon);
        var s = RaftSettings.Create(ConfigurationFactory.ParseString(hocon));
        Assert.Equal("orders \"eu\"", s.ClusterId);
        Assert.Equal(TimeSpan.FromMilliseconds(150), s.ElectionTimeoutMin);
        Assert.Equal(TimeSpan.FromMilliseconds(250), s.ElectionTimeoutMax);
        Assert.Equal(TimeSpan.FromMilliseconds(40), s.HeartbeatInterval);
        Assert.False(s.PreVote);
        Assert.True(s.CheckQuorum);
        Assert.False(s.LeaderNoOp);
        Assert.Equal(ReadMode.Lease, s.Reads);
        Assert.Equal(TimeSpan.FromMilliseconds(20), s.LeaseClockDrift);
        Assert.Equal(64, s.MaxEntriesPerMessage);
        Assert.Equal(100_000, s.MaxBytesPerMessage);
        Assert.Equal(2, s.MaxInflightMessages);
        Assert.Equal(5000, s.SnapshotLogEntries);
        Assert.Equal(1 << 20, s.SnapshotLogBytes);
    }

    [Fact]
    public void A_joining_peer_renders_no_members()
    {
        var options = Three();
        options.PeerId = "n4";
        options.Join = true;
        options.Members["n1"] = "akka.tcp://app@127.0.0.1:4001/user/raft";
        var s = RaftSettings.Create(options.ToConfig());
        Assert.True(s.Join);
        Assert.Empty(s.Members);
        Builder().WithRaft(options); // routes to n1..n3 are accepted, n4 need not be among them
    }

    public static TheoryData<string, Action<RaftOptions>> BadOptions => new()
    {
        { "RaftOptions.PeerId is empty", o => o.PeerId = "" },
        { "RaftOptions.PeerId 'n9' is not one of RaftOptions.Members [n1, n2, n3]", o => o.PeerId = "n9" },
        { "RaftOptions.Members is empty", o => o.Members = new Dictionary<string, string?>() },
        { "RaftOptions.Members[\"n2\"] has no actor path", o => o.Members["n2"] = null },
        { "RaftOptions.Members[\"n3\"] 'not a path' is not an actor path", o => o.Members["n3"] = "not a path" },
        { "RaftOptions.ElectionTimeoutMin: ", o => { o.ElectionTimeoutMin = TimeSpan.FromSeconds(2); o.ElectionTimeoutMax = TimeSpan.FromSeconds(1); } },
        { "RaftOptions.HeartbeatInterval: ", o => o.HeartbeatInterval = TimeSpan.FromSeconds(1) },
        { "RaftOptions.MaxInflightMessages: ", o => o.MaxInflightMessages = 0 },
        { "RaftOptions.ActorName 'a/b' is not a valid actor name", o => o.ActorName = "a/b" },
        { "RaftOptions.MaxBackoff ", o => { o.MinBackoff = TimeSpan.FromSeconds(5); o.MaxBackoff = TimeSpan.FromSeconds(1); } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_fail_at_build_time_with_one_line_naming_the_option(string expected, Action<RaftOptions> spoil)
    {
        var options = Three();
        spoil(options);
        var raft = Assert.Throws<ArgumentException>(() => Builder().WithRaft(options));
        Assert.StartsWith(expected, raft.Message);
        Assert.DoesNotContain('\n', raft.Message);
        var kv = Assert.Throws<ArgumentException>(() => Builder().WithRaftKeyValueStore(options));
        Assert.Equal(raft.Message, kv.Message);
    }

    [Fact]
    public void Bad_key_value_server_options_fail_at_build_time_naming_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => Builder().WithRaftKeyValueStore(Three(), new KvServerOptions { MaxSessions = 0 }));
        Assert.StartsWith("KvServerOptions.MaxSessions must be at least 1", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Bad_journal_and_health_options_fail_with_one_line_naming_them()
    {
        Assert.StartsWith("RaftJournal.RocksDb: the database path is empty", Assert.Throws<ArgumentException>(() => RaftJournal.RocksDb(" ")).Message);
        Assert.StartsWith("RaftJournal.Plugin: the journal plugin id is empty", Assert.Throws<ArgumentException>(() => RaftJournal.Plugin("")).Message);
        Assert.StartsWith("RaftHealthCheckOptions.UnhealthyAfterElectionTimeouts must be at least 1",
            Assert.Throws<ArgumentException>(() => Builder().WithRaftHealthCheck(new RaftHealthCheckOptions { UnhealthyAfterElectionTimeouts = 0 })).Message);
    }

    /// <summary>Registry key of a second peer in one system.</summary>
    private sealed class Second;

    [Fact]
    public void A_second_peer_on_one_builder_needs_its_own_key_and_name()
    {
        var first = Three();
        first.Journal = RaftJournal.RocksDb("/tmp/hosting-unused");
        var builder = Builder().WithRaft(first);
        var sameKey = Assert.Throws<ArgumentException>(() => builder.WithRaft(Three()));
        Assert.StartsWith("a Raft peer is registered under RaftPeer already", sameKey.Message);
        var sameName = Assert.Throws<ArgumentException>(() => builder.WithRaft<Second>(Three()));
        Assert.StartsWith("RaftOptions.ActorName 'raft' is taken", sameName.Message);
        var other = Three();
        other.ActorName = "raft-2";
        other.Journal = first.Journal;
        builder.WithRaft<Second>(other); // the defaults of AkkaRaft and of the RocksDB store are added once
        builder.WithRaftKeyValueStore(Three()); // the store's own key and name
    }

    [Fact]
    public void RocksDb_journal_names_its_plugins_and_quotes_the_path()
    {
        var journal = RaftJournal.RocksDb("/tmp/a \"b\"\\c");
        Assert.Equal("akka.persistence.journal.rocksdb", journal.JournalPluginId);
        Assert.Equal("akka.persistence.snapshot-store.rocksdb", journal.SnapshotPluginId);
        var builder = Builder();
        journal.Configure(builder);
        var config = builder.Configuration.Value;
        Assert.Equal("/tmp/a \"b\"\\c", config.GetString("akka.persistence.journal.rocksdb.path"));
        Assert.Equal("/tmp/a \"b\"\\c", config.GetString("akka.persistence.snapshot-store.rocksdb.path"));
        Assert.Equal("tolerate-corrupted-tail-records", config.GetString("akka.persistence.journal.rocksdb.wal-recovery-mode"));
    }
}
