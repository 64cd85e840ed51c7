using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Persistence;
using Xunit.Sdk;

using AkkaRaft.TestKit;

namespace AkkaRaft.Tests.Harness;

/// <summary>
/// What a peer's journal holds beyond its snapshot: the events a restart replays, the log entries in them, and the
/// lowest index among those entries (null when there is none).
/// </summary>
internal sealed record JournalContents(int Events, int Entries, long? LowestIndex, long HighestSequenceNr);

/// <summary>
/// Reads what the default journal and snapshot store really hold for a peer, by asking the plugin actors directly
/// (the same requests a recovering persistent actor sends), rather than trusting the peer's own account of it.
/// </summary>
internal static class StoredState
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static string PersistenceId(RaftCluster cfg, int peer) => RaftActor.PersistenceIdFor(cfg.Settings.ClusterId, RaftCluster.Id(peer));

    /// <summary>Replays the peer's whole journal (every event not deleted) and counts the events and the entries they carry.</summary>
    public static async Task<JournalContents> Journal(ActorSystem system, TestProbe probe, RaftCluster cfg, int peer)
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
        journal.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, PersistenceId(cfg, peer), probe.Ref));
        var events = 0;
        var entries = 0;
        long? lowest = null;
        while (true)
        {
            switch (await probe.ExpectMsgAsync<object>(Timeout))
            {
                case ReplayedMessage replayed:
                    events++;
                    if (replayed.Persistent.Payload is EntriesAppended { Entries.Count: > 0 } appended)
                    {
                        entries += appended.Entries.Count;
                        lowest = Math.Min(lowest ?? long.MaxValue, appended.Entries[0].Index);
                    }
                    break;
                case RecoverySuccess done:
                    return new JournalContents(events, entries, lowest, done.HighestSequenceNr);
                case ReplayMessagesFailure failed:
                    throw new XunitException($"replaying {RaftCluster.Id(peer)}'s journal failed: {failed.Cause.Message}");
            }
        }
    }

    /// <summary>The last index covered by the newest snapshot in the peer's snapshot store (0 when there is none).</summary>
    public static async Task<long> SnapshotIndex(ActorSystem system, TestProbe probe, RaftCluster cfg, int peer)
    {
        var store = Akka.Persistence.Persistence.Instance.Apply(system).SnapshotStoreFor(null);
        store.Tell(new LoadSnapshot(PersistenceId(cfg, peer), SnapshotSelectionCriteria.Latest, long.MaxValue), probe.Ref);
        return await probe.ExpectMsgAsync<object>(Timeout) switch
        {
            LoadSnapshotResult { Snapshot: null } => 0,
            LoadSnapshotResult { Snapshot.Snapshot: RaftSnapshot s } => s.LastIncludedIndex,
            LoadSnapshotResult other => throw new XunitException($"{RaftCluster.Id(peer)}'s snapshot store holds a {other.Snapshot.Snapshot.GetType().Name}"),
            LoadSnapshotFailed failed => throw new XunitException($"loading {RaftCluster.Id(peer)}'s snapshot failed: {failed.Cause.Message}"),
            var other => throw new XunitException($"unexpected answer from the snapshot store: {other}"),
        };
    }
}
