namespace AkkaRaft.Persistence.RocksDb;

/// <summary>
/// A RocksDB database directory cannot be used: it is not a database, another process holds it open, or it is damaged.
/// The message is one line that names the directory and the problem.
/// </summary>
public sealed class RocksDbStoreException : Exception
{
    /// <summary>The database directory at fault, as a full path.</summary>
    public string Path { get; }

    /// <summary>Creates the exception for <paramref name="path"/> with a one-line <paramref name="message"/>.</summary>
    public RocksDbStoreException(string path, string message, Exception? inner = null)
        : base(message, inner) => Path = path;
}
