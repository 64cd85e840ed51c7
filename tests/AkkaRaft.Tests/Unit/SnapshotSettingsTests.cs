using Akka.Configuration;
using AkkaRaft.Actors;

namespace AkkaRaft.Tests.Unit;

/// <summary>The <c>akka.raft.snapshot</c> keys: defaults from reference.conf, and every incoherent value refused, naming its key.</summary>
public sealed class SnapshotSettingsTests
{
    private const string ThreeMembers = "akka.raft.members = [n1, n2, n3]";

    private static RaftSettings FromHocon(string hocon) => RaftSettings.Create(ConfigurationFactory.ParseString(ThreeMembers + "\n" + hocon));

    private static void AssertRejected(string hocon, string key)
    {
        var ex = Assert.Throws<ConfigurationException>(() => FromHocon(hocon));
        Assert.Contains($"{RaftSettings.ConfigPath}.{key}", ex.Message);
    }

    [Fact]
    public void Snapshot_defaults_come_from_reference_conf()
    {
        // Reference: Raft paper §7 (when to snapshot is the server's choice: off unless asked; chunks bound message size)
        var settings = FromHocon("");

        Assert.Equal(0, settings.SnapshotLogEntries);
        Assert.Equal(0, settings.SnapshotLogBytes);
        Assert.Equal(64 * 1024, settings.SnapshotChunkBytes);
    }

    [Fact]
    public void Snapshot_overrides_in_hocon_replace_the_defaults()
    {
        // Reference: Raft paper §7 (a fixed log size in bytes or entries triggers a snapshot)
        var settings = FromHocon("akka.raft.snapshot { log-entries = 1000, log-bytes = 4 MiB, chunk-bytes = 4 }");

        Assert.Equal(1000, settings.SnapshotLogEntries);
        Assert.Equal(4 * 1024 * 1024, settings.SnapshotLogBytes);
        Assert.Equal(4, settings.SnapshotChunkBytes);
    }

    [Fact]
    public void Negative_log_entries_threshold_is_refused()
    {
        // Reference: Raft paper §7 (a threshold is a size: 0 turns it off, a negative one means nothing)
        AssertRejected("akka.raft.snapshot.log-entries = -1", "snapshot.log-entries");
    }

    [Fact]
    public void Negative_log_bytes_threshold_is_refused()
    {
        // Reference: Raft paper §7
        AssertRejected("akka.raft.snapshot.log-bytes = -1", "snapshot.log-bytes");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-4")]
    public void Non_positive_chunk_size_is_refused(string value)
    {
        // Reference: Raft paper Figure 13 (a chunk carries data; an empty chunk would never finish the snapshot)
        AssertRejected($"akka.raft.snapshot.chunk-bytes = {value}", "snapshot.chunk-bytes");
    }

    [Fact]
    public void WithSnapshots_validates_its_values_too()
    {
        // Reference: Raft paper §7; settings made in code obey the same rules as HOCON
        var settings = FromHocon("");

        Assert.Contains("snapshot.log-entries", Assert.Throws<ConfigurationException>(() => settings.WithSnapshots(logEntries: -1)).Message);
        Assert.Contains("snapshot.log-bytes", Assert.Throws<ConfigurationException>(() => settings.WithSnapshots(logBytes: -1)).Message);
        Assert.Contains("snapshot.chunk-bytes", Assert.Throws<ConfigurationException>(() => settings.WithSnapshots(chunkBytes: 0)).Message);
        Assert.Equal(5, settings.WithSnapshots(logEntries: 5).SnapshotLogEntries);
    }
}
