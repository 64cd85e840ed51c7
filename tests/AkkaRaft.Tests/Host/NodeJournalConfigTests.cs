using Akka.Configuration;
using AkkaRaft.Host;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// The node's journal settings come from the shipped hocon/rocksdb-journal.hocon or hocon/sqlite-journal.hocon, with
/// the node's own store on top, so what users take from hocon/ is what the Host runs; the cluster file may tune them
/// but not move the store; and a node never starts on an empty store of one kind while its data sits in the other.
/// </summary>
public sealed class NodeJournalConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akkaraft-journal-config-").FullName;

    private static Config Journal(string? kind) =>
        kind is null ? Config.Empty : ConfigurationFactory.ParseString($"akkaraft.journal = {kind}");

    [Fact]
    public void By_default_the_node_runs_the_shipped_RocksDB_settings_with_its_own_directory()
    {
        var storage = NodeStorage.Prepare(Journal(null), _dir, "n1", AppContext.BaseDirectory);

        var path = Path.Combine(_dir, "n1.rocksdb");
        var config = NodeConfig(storage, Config.Empty);
        Assert.Equal(path, storage.Location);
        Assert.Equal("akka.persistence.journal.rocksdb", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.rocksdb", config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal(path, config.GetString("akka.persistence.journal.rocksdb.path"));
        Assert.Equal(path, config.GetString("akka.persistence.snapshot-store.rocksdb.path"));
        Assert.StartsWith("AkkaRaft.Persistence.RocksDb.RocksDbJournal", config.GetString("akka.persistence.journal.rocksdb.class"));
    }

    [Fact]
    public void The_sqlite_journal_runs_the_shipped_settings_with_its_own_file()
    {
        var storage = NodeStorage.Prepare(Journal("sqlite"), _dir, "n1", AppContext.BaseDirectory);

        var database = Path.Combine(_dir, "n1.db");
        var config = NodeConfig(storage, Journal("sqlite"));
        Assert.Equal(database, storage.Location);
        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal($"Data Source={database}", config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal($"Data Source={database}", config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.False(config.GetBoolean("akka.persistence.journal.sql.use-clone-connection"));
        Assert.False(config.GetBoolean("akka.persistence.snapshot-store.sql.use-clone-connection"));
        Assert.Equal(TimeSpan.FromSeconds(60), config.GetTimeSpan("akka.persistence.journal.sql.recovery-event-timeout"));
    }

    [Theory]
    [InlineData(null, "n1.db", "set akkaraft.journal = sqlite")]
    [InlineData("sqlite", "n1.rocksdb", "remove akkaraft.journal = sqlite")]
    public void Data_of_the_other_kind_is_refused_and_left_alone(string? kind, string existing, string advice)
    {
        var other = Path.Combine(_dir, existing);
        if (existing.EndsWith(".db", StringComparison.Ordinal)) File.WriteAllText(other, "the old journal");
        else Directory.CreateDirectory(other);

        var error = Assert.Throws<HostError>(() => NodeStorage.Prepare(Journal(kind), _dir, "n1", AppContext.BaseDirectory));

        Assert.Contains(other, error.Message);
        Assert.Contains(advice, error.Message);
        Assert.Equal([other], Directory.GetFileSystemEntries(_dir)); // nothing created beside it
        if (File.Exists(other)) Assert.Equal("the old journal", File.ReadAllText(other));
    }

    [Fact]
    public void The_cluster_file_tunes_the_RocksDB_journal_but_cannot_move_it()
    {
        var file = ConfigurationFactory.ParseString("""
            akka.persistence.journal { plugin = "akka.persistence.journal.inmem", rocksdb { path = "/elsewhere", writer-threads = 3 } }
            akka.persistence.snapshot-store.rocksdb { path = "/elsewhere", writer-threads = 2 }
            """);
        var storage = NodeStorage.Prepare(file, _dir, "n1", AppContext.BaseDirectory);

        var config = NodeConfig(storage, file);

        var path = Path.Combine(_dir, "n1.rocksdb");
        Assert.Equal(3, config.GetInt("akka.persistence.journal.rocksdb.writer-threads"));
        Assert.Equal(2, config.GetInt("akka.persistence.snapshot-store.rocksdb.writer-threads"));
        Assert.Equal("akka.persistence.journal.rocksdb", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal(path, config.GetString("akka.persistence.journal.rocksdb.path"));
        Assert.Equal(path, config.GetString("akka.persistence.snapshot-store.rocksdb.path"));
        Assert.Equal("tolerate-corrupted-tail-records", config.GetString("akka.persistence.journal.rocksdb.wal-recovery-mode")); // the rest as shipped
    }

    [Fact]
    public void The_cluster_file_tunes_the_sqlite_journal_but_cannot_move_it()
    {
        var file = ConfigurationFactory.ParseString("""
            akkaraft.journal = sqlite
            akka.persistence.journal.sql { connection-string = "Data Source=/elsewhere.db", recovery-event-timeout = 5s }
            """);
        var storage = NodeStorage.Prepare(file, _dir, "n1", AppContext.BaseDirectory);

        var config = NodeConfig(storage, file);

        Assert.Equal(TimeSpan.FromSeconds(5), config.GetTimeSpan("akka.persistence.journal.sql.recovery-event-timeout"));
        Assert.Equal($"Data Source={Path.Combine(_dir, "n1.db")}", config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
    }

    private static Config NodeConfig(NodeStorage storage, Config file) =>
        NodeCommand.Config(storage, file, new NodeAddress("n1", "127.0.0.1", 0, null), NodeThread.For(file));

    [Fact]
    public void An_unknown_journal_is_named()
    {
        var error = Assert.Throws<HostError>(() => NodeStorage.Prepare(Journal("leveldb"), _dir, "n1", AppContext.BaseDirectory));

        Assert.Contains("akkaraft.journal = 'leveldb'", error.Message);
    }

    [Theory]
    [InlineData("rocksdb", "rocksdb-journal.hocon")]
    [InlineData("sqlite", "sqlite-journal.hocon")]
    public void Missing_shipped_settings_are_named_in_one_line(string kind, string file)
    {
        var error = Assert.Throws<HostError>(() => NodeStorage.Prepare(Journal(kind), _dir, "n1", _dir));

        Assert.Contains(Path.Combine(_dir, "hocon", file), error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
