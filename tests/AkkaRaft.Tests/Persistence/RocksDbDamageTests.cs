using Akka.Actor;
using Akka.Persistence;
using AkkaRaft.Persistence.RocksDb;
using RocksDbSharp;

namespace AkkaRaft.Tests.Persistence;

/// <summary>
/// A damaged database never replays a shorter log: either it refuses to open (a one-line error) or the replay fails.
/// </summary>
public sealed class RocksDbDamageTests : Akka.TestKit.Xunit2.TestKit
{
    private const int Events = 200;
    private readonly string _path = RocksDbTestSupport.NewPath();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        RocksDbTestSupport.Delete(_path);
    }

    private async Task WriteEvents()
    {
        var system = ActorSystem.Create("damage", RocksDbTestSupport.ConfigFor(_path));
        var probe = CreateTestProbe(system);
        var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
        var writes = Enumerable.Range(1, Events)
            .Select(i => (IPersistentEnvelope)new AtomicWrite(new Persistent($"event-{i}-{new string('x', 100)}", i, "p", "", false, probe.Ref, "w")))
            .ToList();
        journal.Tell(new WriteMessages(writes, probe.Ref, 1));
        probe.ExpectMsg<WriteMessagesSuccessful>();
        await system.Terminate();
    }

    private static void FlipBytes(string file, double from, double to)
    {
        var bytes = File.ReadAllBytes(file);
        for (var i = (int)(bytes.Length * from); i < (int)(bytes.Length * to); i += 13) bytes[i] ^= 0xA5;
        File.WriteAllBytes(file, bytes);
    }

    /// <summary>Opens the directory again and replays everything; returns the replayed count, or -1 when the replay failed.</summary>
    private async Task<int> Replay()
    {
        var system = ActorSystem.Create("replay", RocksDbTestSupport.ConfigFor(_path));
        try
        {
            var probe = CreateTestProbe(system);
            Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null)
                .Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "p", probe.Ref));
            var replayed = 0;
            while (true)
            {
                switch (probe.ReceiveOne(TimeSpan.FromSeconds(10)))
                {
                    case ReplayedMessage:
                        replayed++;
                        break;
                    case RecoverySuccess:
                        return replayed;
                    case ReplayMessagesFailure:
                        return -1;
                    case var other:
                        throw new Xunit.Sdk.XunitException($"unexpected reply {other}");
                }
            }
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task A_damaged_record_in_the_middle_of_the_write_ahead_log_is_refused()
    {
        await WriteEvents();
        var wal = Directory.GetFiles(_path, "*.log").OrderBy(f => new FileInfo(f).Length).Last();
        Assert.True(new FileInfo(wal).Length > Events * 100, "the events should still be in the write-ahead log");
        FlipBytes(wal, 0.4, 0.42);
        var error = Assert.Throws<RocksDbStoreException>(() => RocksDbPersistence.Check(_path));
        Assert.Contains("is damaged", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task A_damaged_table_file_is_refused_or_fails_the_replay_never_a_shorter_log()
    {
        await WriteEvents();
        using (var db = RocksDbSharp.RocksDb.Open(new DbOptions(), _path)) db.Flush(new FlushOptions().SetWaitForFlush(true));
        Assert.Equal(Events, await Replay());
        var table = Directory.GetFiles(_path, "*.sst").Single();
        FlipBytes(table, 0.3, 0.31);
        try
        {
            RocksDbPersistence.Check(_path);
        }
        catch (RocksDbStoreException error)
        {
            Assert.Contains("is damaged", error.Message);
            return;
        }
        Assert.Equal(-1, await Replay());
    }
}
