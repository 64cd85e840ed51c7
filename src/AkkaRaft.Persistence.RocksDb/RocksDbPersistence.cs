using Akka.Configuration;

namespace AkkaRaft.Persistence.RocksDb;

/// <summary>
/// Entry points of the RocksDB journal and snapshot store: their default configuration, and a check of a database
/// directory before an ActorSystem starts on it.
/// </summary>
public static class RocksDbPersistence
{
    private static readonly Lazy<Config> Reference = new(() =>
    {
        using var stream = typeof(RocksDbPersistence).Assembly.GetManifestResourceStream("AkkaRaft.Persistence.RocksDb.reference.conf")
            ?? throw new InvalidOperationException("AkkaRaft.Persistence.RocksDb.reference.conf is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });

    /// <summary>
    /// The sections <c>akka.persistence.journal.rocksdb</c> and <c>akka.persistence.snapshot-store.rocksdb</c> with
    /// their defaults, each key commented in the embedded <c>reference.conf</c>. Use it as a fallback:
    /// <c>config.WithFallback(RocksDbPersistence.DefaultConfiguration)</c>, and select the plugins with
    /// <c>akka.persistence.journal.plugin = "akka.persistence.journal.rocksdb"</c> (and the snapshot store's likewise).
    /// </summary>
    public static Config DefaultConfiguration => Reference.Value;

    /// <summary>
    /// Opens the database at <paramref name="path"/> (creating it, and the directory, when missing) and closes it again,
    /// so a program can refuse a bad directory with a clear message before it starts. When this process has the
    /// database open already (through a running journal or snapshot store), the open one is checked instead.
    /// </summary>
    /// <param name="path">The database directory, as given to the plugins' <c>path</c> key.</param>
    /// <exception cref="RocksDbStoreException">
    /// The path is a file, or a non-empty directory with no RocksDB database in it; another process has the database
    /// open; or it is damaged (RocksDB reports corruption, or its log has a damaged record before its end). The message
    /// is one line naming the path and the problem.
    /// </exception>
    public static void Check(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new RocksDbStoreException(path, "RocksDB store path is empty: give the database directory");
        RocksDbStore.Acquire(RocksDbSettings.ForPath(path)).Release();
    }
}
