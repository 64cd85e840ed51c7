using System.Collections.Concurrent;
using RocksDbSharp;

namespace AkkaRaft.Persistence.RocksDb;

/// <summary>
/// One open database, shared by every journal and snapshot store of the process that names its directory (RocksDB
/// locks a directory for a single open per process). Reference-counted through <see cref="Acquire"/> and
/// <see cref="Release"/>; the last release waits for the operations in flight, then closes it.
/// </summary>
/// <remarks>
/// Synced writes run on a few dedicated threads rather than the thread pool: each blocks for an fsync, and RocksDB
/// commits the writes that wait at the same time with one WAL fsync (group commit), so several threads blocked at once
/// is what gives throughput; on a small thread pool, blocking its threads would instead stall the actors.
/// </remarks>
internal sealed class RocksDbStore
{
    private static readonly Dictionary<string, RocksDbStore> Open = new(StringComparer.Ordinal);

    private readonly BlockingCollection<WriteJob> _writes = new();
    private readonly Thread[] _writers;
    private readonly WriteOptions _sync = new WriteOptions().SetSync(true);
    private int _references;
    private int _readsInFlight;

    public RocksDbSharp.RocksDb Db { get; }
    public string Path { get; }

    private RocksDbStore(RocksDbSharp.RocksDb db, string path, int writerThreads)
    {
        Db = db;
        Path = path;
        _writers = new Thread[writerThreads];
        for (var i = 0; i < writerThreads; i++)
        {
            _writers[i] = new Thread(WriteLoop) { IsBackground = true, Name = $"rocksdb-writer-{i}" };
            _writers[i].Start();
        }
    }

    /// <summary>Opens the database, or takes another reference to it when this process has it open already.</summary>
    /// <exception cref="RocksDbStoreException">The directory cannot be used; the message says why.</exception>
    public static RocksDbStore Acquire(RocksDbSettings settings)
    {
        lock (Open)
        {
            if (!Open.TryGetValue(settings.Path, out var store))
            {
                store = new RocksDbStore(OpenDatabase(settings), settings.Path, settings.WriterThreads);
                Open.Add(settings.Path, store);
            }
            store._references++;
            return store;
        }
    }

    /// <summary>Drops a reference; the last one finishes the writes and reads in flight and closes the database.</summary>
    public void Release()
    {
        lock (Open)
        {
            if (--_references > 0) return;
            Open.Remove(Path);
            _writes.CompleteAdding();
            foreach (var writer in _writers) writer.Join();
            var spin = new SpinWait();
            while (Volatile.Read(ref _readsInFlight) > 0) spin.SpinOnce();
            Db.Dispose();
            _writes.Dispose();
        }
    }

    /// <summary>Writes <paramref name="batch"/> with sync on a writer thread; the task completes once it is durable.</summary>
    public Task Write(WriteBatch batch)
    {
        var job = new WriteJob(batch);
        _writes.Add(job);
        return job.Done.Task;
    }

    /// <summary>Runs a read (or an unsynced maintenance call) on the thread pool, counted so closing waits for it.</summary>
    public Task<T> Read<T>(Func<RocksDbSharp.RocksDb, T> read)
    {
        Interlocked.Increment(ref _readsInFlight);
        return Task.Run(() =>
        {
            try
            {
                return read(Db);
            }
            finally
            {
                Interlocked.Decrement(ref _readsInFlight);
            }
        });
    }

    /// <summary>Throws a storage error an iterator stopped on (a damaged block), so a read never ends early in silence.</summary>
    public static void ThrowIfFailed(Iterator iterator) => Native.Instance.rocksdb_iter_get_error(iterator.Handle);

    private void WriteLoop()
    {
        foreach (var job in _writes.GetConsumingEnumerable())
        {
            try
            {
                Db.Write(job.Batch, _sync);
                job.Done.TrySetResult();
            }
            catch (Exception e)
            {
                job.Done.TrySetException(e);
            }
        }
    }

    internal static RocksDbSharp.RocksDb OpenDatabase(RocksDbSettings settings)
    {
        var path = settings.Path;
        if (File.Exists(path))
            throw new RocksDbStoreException(path, $"RocksDB store {path}: is a file, not a database directory");
        if (Directory.Exists(path) && !File.Exists(System.IO.Path.Combine(path, "CURRENT"))
            && Directory.EnumerateFileSystemEntries(path).Any())
            throw new RocksDbStoreException(path, $"RocksDB store {path}: is not a RocksDB database (the directory holds other files and no CURRENT)");
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RocksDbStoreException(path, $"RocksDB store {path}: cannot create the directory ({e.Message})", e);
        }
        var options = new DbOptions()
            .SetCreateIfMissing(true)
            .SetParanoidChecks(true)
            .SetWalRecoveryMode(settings.WalRecoveryMode)
            .SetKeepLogFileNum(4);
        try
        {
            return RocksDbSharp.RocksDb.Open(options, path);
        }
        catch (RocksDbException e)
        {
            throw Explain(path, e);
        }
    }

    private static RocksDbStoreException Explain(string path, RocksDbException e)
    {
        var detail = e.Message.ReplaceLineEndings(" ");
        if (detail.Contains("Corruption", StringComparison.OrdinalIgnoreCase))
            return new RocksDbStoreException(path, $"RocksDB store {path}: is damaged, refusing to open it ({detail})", e);
        if (detail.Contains("lock", StringComparison.OrdinalIgnoreCase))
            return new RocksDbStoreException(path, $"RocksDB store {path}: is locked, in use by another process ({detail})", e);
        return new RocksDbStoreException(path, $"RocksDB store {path}: cannot be opened ({detail})", e);
    }

    private sealed class WriteJob(WriteBatch batch)
    {
        public readonly WriteBatch Batch = batch;
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
