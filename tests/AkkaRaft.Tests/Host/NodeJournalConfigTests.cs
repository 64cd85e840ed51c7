using AkkaRaft.Host;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// The node's journal settings come from the shipped hocon/sqlite-journal.hocon, with only the node's own file and its
/// recovery bound on top, so what users take from hocon/ is what the Host runs.
/// </summary>
public sealed class NodeJournalConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akkaraft-journal-config-").FullName;

    [Fact]
    public void The_node_runs_the_shipped_settings_with_its_own_file()
    {
        var database = Path.Combine(_dir, "n1.db");
        var config = NodeCommand.JournalConfig(database, AppContext.BaseDirectory);

        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal($"Data Source={database}", config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal($"Data Source={database}", config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.False(config.GetBoolean("akka.persistence.journal.sql.use-clone-connection"));
        Assert.False(config.GetBoolean("akka.persistence.snapshot-store.sql.use-clone-connection"));
        Assert.Equal(TimeSpan.FromSeconds(60), config.GetTimeSpan("akka.persistence.journal.sql.recovery-event-timeout"));
    }

    [Fact]
    public void Missing_shipped_settings_are_named_in_one_line()
    {
        var error = Assert.Throws<HostError>(() => NodeCommand.JournalConfig(Path.Combine(_dir, "n1.db"), _dir));

        Assert.Contains(Path.Combine(_dir, "hocon", "sqlite-journal.hocon"), error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
