using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;

namespace AkkaRaft.Tests.Persistence;

/// <summary>The snapshot store plugin contract (the cases of Akka's SnapshotStoreSpec), through the store actor's messages.</summary>
public sealed class RocksDbSnapshotStoreSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly string _path;
    private readonly TestProbe _probe;
    private readonly string _pid = "s-1";
    private readonly List<SnapshotMetadata> _saved = new();

    public RocksDbSnapshotStoreSpec() : this(RocksDbTestSupport.NewPath())
    {
    }

    private RocksDbSnapshotStoreSpec(string path) : base(RocksDbTestSupport.ConfigFor(path))
    {
        _path = path;
        _probe = CreateTestProbe();
        for (var i = 1; i <= 5; i++) _saved.Add(Save(new SnapshotMetadata(_pid, i, Start.AddMinutes(i)), $"s-{i}"));
    }

    private IActorRef Store => Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        RocksDbTestSupport.Delete(_path);
    }

    private SnapshotMetadata Save(SnapshotMetadata metadata, object snapshot)
    {
        Store.Tell(new SaveSnapshot(metadata, snapshot), _probe.Ref);
        return _probe.ExpectMsg<SaveSnapshotSuccess>().Metadata;
    }

    private SelectedSnapshot? Load(SnapshotSelectionCriteria criteria, string? pid = null)
    {
        Store.Tell(new LoadSnapshot(pid ?? _pid, criteria, long.MaxValue), _probe.Ref);
        return _probe.ExpectMsg<LoadSnapshotResult>().Snapshot;
    }

    private void ExpectLoaded(SnapshotSelectionCriteria criteria, int expected)
    {
        var loaded = Load(criteria);
        Assert.NotNull(loaded);
        Assert.Equal(expected, loaded.Metadata.SequenceNr);
        Assert.Equal(_saved[expected - 1].Timestamp, loaded.Metadata.Timestamp);
        Assert.Equal($"s-{expected}", loaded.Snapshot);
    }

    [Fact]
    public void Loads_nothing_for_an_id_without_snapshots()
    {
        Assert.Null(Load(SnapshotSelectionCriteria.Latest, "s-10"));
        Assert.Null(Load(SnapshotSelectionCriteria.Latest, "s-"));
    }

    [Fact]
    public void Loads_the_newest_snapshot() => ExpectLoaded(SnapshotSelectionCriteria.Latest, 5);

    [Fact]
    public void Loads_the_newest_snapshot_up_to_a_sequence_number() => ExpectLoaded(new SnapshotSelectionCriteria(3), 3);

    [Fact]
    public void Loads_the_newest_snapshot_up_to_a_timestamp() =>
        ExpectLoaded(new SnapshotSelectionCriteria(long.MaxValue, _saved[2].Timestamp), 3);

    [Fact]
    public void Loads_nothing_when_the_lower_bounds_exclude_every_snapshot()
    {
        Assert.Null(Load(new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue, 6)));
        Assert.Null(Load(new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue, 0, Start.AddMinutes(6))));
        Assert.Null(Load(new SnapshotSelectionCriteria(2, DateTime.MaxValue, 3)));
    }

    [Fact]
    public void Loads_within_lower_and_upper_bounds()
    {
        ExpectLoaded(new SnapshotSelectionCriteria(4, DateTime.MaxValue, 2, _saved[1].Timestamp), 4);
        ExpectLoaded(new SnapshotSelectionCriteria(long.MaxValue, _saved[3].Timestamp, 0, _saved[3].Timestamp), 4);
    }

    [Fact]
    public void Deletes_a_single_snapshot_by_metadata()
    {
        Store.Tell(new DeleteSnapshot(_saved[4]), _probe.Ref);
        _probe.ExpectMsg<DeleteSnapshotSuccess>();
        ExpectLoaded(SnapshotSelectionCriteria.Latest, 4);

        // Without a timestamp, any snapshot at that sequence number goes.
        Store.Tell(new DeleteSnapshot(new SnapshotMetadata(_pid, 4, DateTime.MinValue)), _probe.Ref);
        _probe.ExpectMsg<DeleteSnapshotSuccess>();
        ExpectLoaded(SnapshotSelectionCriteria.Latest, 3);
    }

    [Fact]
    public void Deletes_the_snapshots_that_match_criteria()
    {
        var criteria = new SnapshotSelectionCriteria(3);
        Store.Tell(new DeleteSnapshots(_pid, criteria), _probe.Ref);
        _probe.ExpectMsg<DeleteSnapshotsSuccess>();
        Assert.Null(Load(criteria));
        ExpectLoaded(new SnapshotSelectionCriteria(4), 4);
        ExpectLoaded(SnapshotSelectionCriteria.Latest, 5);
    }

    [Fact]
    public void A_snapshot_that_cannot_be_read_gives_way_to_the_next_older_one()
    {
        Save(new SnapshotMetadata(_pid, 6, Start.AddMinutes(6)), new Unreadable("broken"));
        ExpectLoaded(SnapshotSelectionCriteria.Latest, 5);
    }

    [Fact]
    public void Saving_at_the_same_sequence_number_and_timestamp_replaces_the_snapshot()
    {
        Save(_saved[4], "replaced");
        var loaded = Load(SnapshotSelectionCriteria.Latest);
        Assert.Equal("replaced", loaded?.Snapshot);
    }
}
