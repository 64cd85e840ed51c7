using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using RocksDbSharp;

namespace AkkaRaft.Persistence.RocksDb;

/// <summary>
/// An Akka.Persistence journal kept in RocksDB (plugin id <c>akka.persistence.journal.rocksdb</c>; keys in
/// <c>reference.conf</c>, see <see cref="RocksDbPersistence.DefaultConfiguration"/>).
/// </summary>
/// <remarks>
/// Each <c>WriteMessages</c> call becomes one RocksDB write batch, written with sync before the call completes, so
/// every acknowledged event is on disk. Each <see cref="AtomicWrite"/> is all or nothing: an event that cannot be
/// serialized rejects its whole AtomicWrite (the others of the call are still written); a storage error fails the
/// call. Calls run on the store's writer threads and may overlap, and RocksDB commits overlapping calls with one fsync.
/// Per persistence id, order relies on Akka's rule that a persistent actor sends its next write only after the
/// previous one completed. The highest sequence number of each id is kept in a key of its own, so deleting events
/// never lowers it. Event senders are not stored: replayed events carry no sender.
/// </remarks>
public sealed class RocksDbJournal : AsyncWriteJournal
{
    private readonly PayloadCodec _codec;
    private readonly RocksDbStore _store;
    private readonly Stack<Scratch> _scratch = new();
    private readonly HashSet<Task> _writesInFlight = new();

    /// <summary>Opens (or shares) the database named by the section's <c>path</c>.</summary>
    /// <param name="config">The plugin's configuration section.</param>
    public RocksDbJournal(Config config)
    {
        _codec = new PayloadCodec((ExtendedActorSystem)Context.System);
        _store = RocksDbStore.Acquire(RocksDbSettings.ForPlugin(config, "akka.persistence.journal.rocksdb"));
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        base.PostStop();
        lock (_scratch)
        {
            while (_scratch.Count > 0) _scratch.Pop().Batch.Dispose();
        }
        _store.Release();
    }

    /// <inheritdoc />
    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var scratch = Rent();
        var batch = scratch.Batch;
        List<Exception?>? rejections = null;
        var count = 0;
        foreach (var write in messages)
        {
            batch.SetSavePoint();
            Exception? rejection = null;
            try
            {
                AppendAtomicWrite(scratch, write);
                batch.PopSavePoint();
            }
            catch (Exception e) when (e is not RocksDbException)
            {
                batch.RollbackToSavePoint();
                rejection = e;
            }
            if (rejection is not null && rejections is null)
            {
                rejections = new List<Exception?>(count + 1);
                for (var i = 0; i < count; i++) rejections.Add(null);
            }
            rejections?.Add(rejection);
            count++;
        }
        if (batch.Count() == 0)
        {
            Return(scratch);
            return Task.FromResult(Results(rejections));
        }
        var written = _store.Write(batch);
        lock (_writesInFlight) _writesInFlight.Add(written);
        return Complete(written, scratch, rejections);
    }

    private void AppendAtomicWrite(Scratch scratch, AtomicWrite write)
    {
        var events = (IImmutableList<IPersistentRepresentation>)write.Payload;
        string? persistenceId = null;
        for (var i = 0; i < events.Count; i++)
        {
            var persistent = events[i];
            persistenceId = persistent.PersistenceId;
            var payload = persistent.Payload is Tagged tagged ? tagged.Payload : persistent.Payload;
            scratch.Value.ResetWrittenCount();
            _codec.Encode(payload, persistent.Timestamp, persistent.Manifest, persistent.WriterGuid, scratch.Value);
            var key = scratch.KeyFor(persistenceId);
            var length = Keys.Event(key, persistenceId, (ulong)persistent.SequenceNr);
            scratch.Batch.Put(key.AsSpan(0, length), scratch.Value.WrittenSpan);
        }
        if (persistenceId is null) return;
        var highestKey = scratch.KeyFor(persistenceId);
        Span<byte> highest = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(highest, write.HighestSequenceNr);
        scratch.Batch.Put(highestKey.AsSpan(0, Keys.HighestKey(highestKey, persistenceId)), highest);
    }

    private async Task<IImmutableList<Exception>> Complete(Task written, Scratch scratch, List<Exception?>? rejections)
    {
        try
        {
            await written.ConfigureAwait(false);
        }
        finally
        {
            lock (_writesInFlight) _writesInFlight.Remove(written);
            Return(scratch);
        }
        return Results(rejections);
    }

    // Akka reads a null list as "all written".
    private static IImmutableList<Exception> Results(List<Exception?>? rejections) =>
        rejections is null ? null! : (IImmutableList<Exception>)(object)rejections.ToImmutableList();

    /// <inheritdoc />
    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        await WritesInFlight().ConfigureAwait(false);
        return await _store.Read(db => ReadHighest(db, persistenceId)).ConfigureAwait(false);
    }

    private static long ReadHighest(RocksDbSharp.RocksDb db, string persistenceId)
    {
        var key = new byte[Keys.MaxLength(persistenceId)];
        var value = db.Get(key.AsSpan(0, Keys.HighestKey(key, persistenceId)));
        return value is { Length: 8 } ? BinaryPrimitives.ReadInt64BigEndian(value) : 0L;
    }

    // Waits for the writes started before now, whatever their outcome, so a recovering actor sees them.
    private async Task WritesInFlight()
    {
        Task[] pending;
        lock (_writesInFlight) pending = _writesInFlight.ToArray();
        foreach (var write in pending)
        {
            try
            {
                await write.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The writer was told of its failure; here only its completion matters.
            }
        }
    }

    /// <inheritdoc />
    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        if (max <= 0 || toSequenceNr < fromSequenceNr || toSequenceNr < 1) return Task.CompletedTask;
        return _store.Read(db =>
        {
            var lower = Keys.Event(persistenceId, (ulong)Math.Max(fromSequenceNr, 0));
            var upper = Keys.Event(persistenceId, (ulong)toSequenceNr + 1);
            var options = new ReadOptions().SetIterateUpperBound(upper);
            using var iterator = db.NewIterator(null, options);
            var replayed = 0L;
            for (iterator.Seek(lower); replayed < max && iterator.Valid(); iterator.Next())
            {
                var decoded = _codec.Decode(iterator.GetValueSpan());
                var sequenceNr = Keys.EventSequenceNr(iterator.GetKeySpan());
                recoveryCallback(new Persistent(decoded.Payload, sequenceNr, persistenceId, decoded.AdapterManifest, false,
                    ActorRefs.NoSender, decoded.WriterGuid, decoded.Timestamp));
                replayed++;
            }
            RocksDbStore.ThrowIfFailed(iterator);
            GC.KeepAlive(options);
            GC.KeepAlive(upper);
            return replayed;
        });
    }

    /// <inheritdoc />
    protected override async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        // Never past the highest written: events written later under lower numbers cannot exist, and a bound past it
        // would cover them if they did.
        var highest = await ReadHighestSequenceNrAsync(persistenceId, 0, cancellationToken).ConfigureAwait(false);
        var to = Math.Min(toSequenceNr, highest);
        if (to < 1) return;
        var start = Keys.Event(persistenceId, 0);
        var end = Keys.Event(persistenceId, (ulong)to + 1);
        using var batch = new WriteBatch();
        batch.DeleteRange(start, (ulong)start.Length, end, (ulong)end.Length);
        await _store.Write(batch).ConfigureAwait(false);
    }

    private Scratch Rent()
    {
        lock (_scratch) return _scratch.Count > 0 ? _scratch.Pop() : new Scratch();
    }

    private void Return(Scratch scratch)
    {
        scratch.Batch.Clear();
        lock (_scratch) _scratch.Push(scratch);
    }

    /// <summary>What one write call reuses: its batch and encode buffers, so steady writing allocates little.</summary>
    private sealed class Scratch
    {
        public readonly WriteBatch Batch = new();
        public readonly ArrayBufferWriter<byte> Value = new(256);
        private byte[] _key = new byte[64];

        public byte[] KeyFor(string persistenceId)
        {
            var needed = Keys.MaxLength(persistenceId);
            if (_key.Length < needed) _key = new byte[needed];
            return _key;
        }
    }
}
