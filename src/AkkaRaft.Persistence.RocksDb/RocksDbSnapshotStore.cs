using System.Buffers;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Snapshot;
using RocksDbSharp;

namespace AkkaRaft.Persistence.RocksDb;

/// <summary>
/// An Akka.Persistence snapshot store kept in RocksDB (plugin id <c>akka.persistence.snapshot-store.rocksdb</c>). It
/// may share its database with <see cref="RocksDbJournal"/> (same <c>path</c>): snapshots have a key space of their own.
/// </summary>
/// <remarks>
/// Saves and deletes are synced before they complete. A load returns the newest snapshot (highest sequence number, then
/// latest timestamp) that matches the criteria; when that one cannot be deserialized it is logged and the next older
/// matching one is tried, as Akka's local file store does, and only when none can be read does the load return none.
/// </remarks>
public sealed class RocksDbSnapshotStore : SnapshotStore
{
    private readonly PayloadCodec _codec;
    private readonly RocksDbStore _store;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Opens (or shares) the database named by the section's <c>path</c>.</summary>
    /// <param name="config">The plugin's configuration section.</param>
    public RocksDbSnapshotStore(Config config)
    {
        _codec = new PayloadCodec((ExtendedActorSystem)Context.System);
        _store = RocksDbStore.Acquire(RocksDbSettings.ForPlugin(config, "akka.persistence.snapshot-store.rocksdb"));
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        base.PostStop();
        _store.Release();
    }

    /// <inheritdoc />
    protected override Task<SelectedSnapshot> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) =>
        _store.Read(db =>
        {
            foreach (var (key, value) in Matching(db, persistenceId, criteria, newestFirst: true))
            {
                var (sequenceNr, ticks) = Keys.SnapshotOf(key);
                try
                {
                    var decoded = _codec.Decode(value);
                    return new SelectedSnapshot(new SnapshotMetadata(persistenceId, sequenceNr, new DateTime(ticks, DateTimeKind.Utc)), decoded.Payload);
                }
                catch (Exception e) when (e is not RocksDbException)
                {
                    _log.Warning("Snapshot {0} at {1} cannot be read, trying an older one: {2}", persistenceId, sequenceNr, e.Message);
                }
            }
            return null!;
        });

    /// <inheritdoc />
    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        var value = new ArrayBufferWriter<byte>(256);
        _codec.Encode(snapshot, metadata.Timestamp.Ticks, "", "", value);
        var batch = new WriteBatch();
        batch.Put(Keys.Snapshot(metadata.PersistenceId, (ulong)metadata.SequenceNr, Ticks(metadata.Timestamp)), value.WrittenSpan);
        return WriteAndDispose(batch);
    }

    /// <inheritdoc />
    protected override async Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken)
    {
        // Akka's rule: a timestamp of DateTime.MinValue means "any timestamp at this sequence number".
        var criteria = metadata.Timestamp == DateTime.MinValue
            ? new SnapshotSelectionCriteria(metadata.SequenceNr, DateTime.MaxValue, metadata.SequenceNr)
            : new SnapshotSelectionCriteria(metadata.SequenceNr, metadata.Timestamp, metadata.SequenceNr, metadata.Timestamp);
        await DeleteAsync(metadata.PersistenceId, criteria, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        var batch = await _store.Read(db =>
        {
            var deletes = new WriteBatch();
            foreach (var (key, _) in Matching(db, persistenceId, criteria, newestFirst: false)) deletes.Delete(key);
            return deletes;
        }).ConfigureAwait(false);
        await WriteAndDispose(batch).ConfigureAwait(false);
    }

    private async Task WriteAndDispose(WriteBatch batch)
    {
        using (batch)
        {
            if (batch.Count() > 0) await _store.Write(batch).ConfigureAwait(false);
        }
    }

    // Snapshot keys of the id whose sequence number and timestamp the criteria accept, as (key, value) copies.
    private static IEnumerable<(byte[] Key, byte[] Value)> Matching(RocksDbSharp.RocksDb db, string persistenceId,
        SnapshotSelectionCriteria criteria, bool newestFirst)
    {
        if (criteria.MaxSequenceNr < 0 || criteria.MaxSequenceNr < criteria.MinSequenceNr) yield break;
        var lower = Keys.Snapshot(persistenceId, (ulong)Math.Max(criteria.MinSequenceNr, 0), 0);
        var upper = Keys.Snapshot(persistenceId, (ulong)criteria.MaxSequenceNr + 1, 0);
        var minTicks = Ticks(criteria.MinTimestamp ?? DateTime.MinValue);
        var maxTicks = Ticks(criteria.MaxTimeStamp);
        var options = new ReadOptions().SetIterateLowerBound(lower).SetIterateUpperBound(upper);
        using var iterator = db.NewIterator(null, options);
        if (newestFirst) iterator.SeekToLast();
        else iterator.SeekToFirst();
        for (; iterator.Valid(); _ = newestFirst ? iterator.Prev() : iterator.Next())
        {
            var (_, ticks) = Keys.SnapshotOf(iterator.GetKeySpan());
            if (ticks < minTicks || ticks > maxTicks) continue;
            yield return (iterator.Key(), iterator.Value());
        }
        RocksDbStore.ThrowIfFailed(iterator);
        GC.KeepAlive(options);
        GC.KeepAlive(lower);
        GC.KeepAlive(upper);
    }

    private static long Ticks(DateTime time) => time.Kind == DateTimeKind.Local ? time.ToUniversalTime().Ticks : time.Ticks;
}
