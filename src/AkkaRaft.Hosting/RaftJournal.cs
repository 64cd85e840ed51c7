using Akka.Configuration;
using Akka.Persistence.Hosting;
using AkkaRaft.Persistence.RocksDb;

namespace AkkaRaft.Hosting;

/// <summary>
/// Where a hosted peer keeps its term, vote and log: the system's default Akka.Persistence plugins, plugins named by id,
/// plugins described by Akka.Persistence.Hosting options, Akka's in-memory plugins, or AkkaRaft's RocksDB store.
/// </summary>
public sealed class RaftJournal
{
    private readonly Action<AkkaConfigurationBuilder> _configure;

    private RaftJournal(string? journalPluginId, string? snapshotPluginId, string description, Action<AkkaConfigurationBuilder>? configure = null)
    {
        JournalPluginId = journalPluginId;
        SnapshotPluginId = snapshotPluginId;
        Description = description;
        _configure = configure ?? (static _ => { });
    }

    /// <summary>HOCON path of the journal plugin the peer writes to; null means <c>akka.persistence.journal.plugin</c>.</summary>
    public string? JournalPluginId { get; }

    /// <summary>HOCON path of the snapshot store plugin; null means <c>akka.persistence.snapshot-store.plugin</c>.</summary>
    public string? SnapshotPluginId { get; }

    /// <summary>A short description for logs, e.g. <c>rocksdb at /var/lib/app/raft</c>.</summary>
    public string Description { get; }

    /// <summary>The system's default plugins (<c>akka.persistence.journal.plugin</c> and the snapshot store's).</summary>
    public static RaftJournal SystemDefault { get; } = new(null, null, "the system's default plugins");

    /// <summary>
    /// Akka's in-memory journal and snapshot store: nothing survives the ActorSystem, so a restarted peer starts over
    /// with an empty log. For tests and demonstrations only.
    /// </summary>
    public static RaftJournal InMemory { get; } =
        new("akka.persistence.journal.inmem", "akka.persistence.snapshot-store.inmem", "in memory");

    /// <summary>Plugins configured elsewhere (in your HOCON or by another module), named by their HOCON paths.</summary>
    /// <param name="journalPluginId">The journal plugin, e.g. <c>akka.persistence.journal.sql</c>.</param>
    /// <param name="snapshotPluginId">The snapshot store plugin; null means the system's default.</param>
    /// <exception cref="ArgumentException">The journal plugin id is empty.</exception>
    public static RaftJournal Plugin(string journalPluginId, string? snapshotPluginId = null)
    {
        if (string.IsNullOrWhiteSpace(journalPluginId))
            throw new ArgumentException("RaftJournal.Plugin: the journal plugin id is empty; give its HOCON path, e.g. akka.persistence.journal.sql");
        if (snapshotPluginId is not null && snapshotPluginId.Trim().Length == 0)
            throw new ArgumentException("RaftJournal.Plugin: the snapshot plugin id is blank; give its HOCON path or null for the system's default");
        return new(journalPluginId, snapshotPluginId, $"plugin {journalPluginId}");
    }

    /// <summary>
    /// Plugins described by Akka.Persistence.Hosting options (for example <c>SqlJournalOptions</c>): they are added to the
    /// ActorSystem as <c>WithJournal</c> and <c>WithSnapshot</c> would, and the peer writes to them by their plugin ids,
    /// whether or not they are the system's defaults.
    /// </summary>
    /// <param name="journal">The journal.</param>
    /// <param name="snapshot">The snapshot store; null means the system's default.</param>
    public static RaftJournal FromOptions(JournalOptions journal, SnapshotOptions? snapshot = null)
    {
        ArgumentNullException.ThrowIfNull(journal);
        return new(journal.PluginId, snapshot?.PluginId, $"plugin {journal.PluginId}", builder =>
        {
            builder.WithJournal(journal);
            if (snapshot is not null) builder.WithSnapshot(snapshot);
        });
    }

    /// <summary>
    /// AkkaRaft's RocksDB journal and snapshot store (package AkkaRaft.Persistence.RocksDb), both in one database at
    /// <paramref name="path"/>, created when missing: every write is synced before it is acknowledged, so the peer keeps
    /// its term, vote and log across restarts. The plugins are <c>akka.persistence.journal.rocksdb</c> and
    /// <c>akka.persistence.snapshot-store.rocksdb</c>; one ActorSystem has one RocksDB path, so give each ActorSystem in a
    /// process its own directory.
    /// </summary>
    /// <param name="path">The database directory, absolute or relative to the working directory.</param>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    public static RaftJournal RocksDb(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("RaftJournal.RocksDb: the database path is empty; give the directory to keep the log in");
        var quoted = Hocon.Quote(path);
        var config = ConfigurationFactory.ParseString(
            $"akka.persistence.journal.rocksdb.path = {quoted}\nakka.persistence.snapshot-store.rocksdb.path = {quoted}");
        return new("akka.persistence.journal.rocksdb", "akka.persistence.snapshot-store.rocksdb", $"rocksdb at {path}", builder =>
        {
            builder.AddHocon(config, HoconAddMode.Prepend);
            RaftHostingExtensions.AppendOnce(builder, "AkkaRaft.Persistence.RocksDb", RocksDbPersistence.DefaultConfiguration);
        });
    }

    /// <summary>Adds what the plugins need to the ActorSystem's configuration.</summary>
    internal void Configure(AkkaConfigurationBuilder builder) => _configure(builder);

    /// <inheritdoc />
    public override string ToString() => Description;
}
