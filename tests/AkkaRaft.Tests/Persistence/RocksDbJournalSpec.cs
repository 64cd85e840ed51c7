using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;

namespace AkkaRaft.Tests.Persistence;

/// <summary>
/// The journal plugin contract (the cases of Akka's JournalSpec), through a real ActorSystem and the journal actor's
/// messages.
/// </summary>
public sealed class RocksDbJournalSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly string _path;
    private readonly TestProbe _sender;
    private readonly TestProbe _receiver;
    private readonly string _pid = "p-1";
    private readonly string _writerGuid = Guid.NewGuid().ToString();

    public RocksDbJournalSpec() : this(RocksDbTestSupport.NewPath())
    {
    }

    private RocksDbJournalSpec(string path) : base(RocksDbTestSupport.ConfigFor(path))
    {
        _path = path;
        _sender = CreateTestProbe();
        _receiver = CreateTestProbe();
        WriteMessages(1, 5, _pid);
    }

    private IActorRef Journal => Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        RocksDbTestSupport.Delete(_path);
    }

    private Persistent Event(object payload, long seq, string pid) =>
        new(payload, seq, pid, "", false, _sender.Ref, _writerGuid);

    private void WriteMessages(long from, long to, string pid)
    {
        var writes = new List<IPersistentEnvelope>();
        for (var i = from; i <= to; i++) writes.Add(new AtomicWrite(Event($"a-{i}", i, pid)));
        Journal.Tell(new WriteMessages(writes, _receiver.Ref, 1));
        _receiver.ExpectMsg<WriteMessagesSuccessful>();
        for (var i = from; i <= to; i++)
        {
            var n = i;
            _receiver.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == n && (string)m.Persistent.Payload == $"a-{n}");
        }
    }

    private void ExpectReplayed(params long[] sequenceNrs)
    {
        foreach (var seq in sequenceNrs)
        {
            var replayed = _receiver.ExpectMsg<ReplayedMessage>();
            Assert.Equal(seq, replayed.Persistent.SequenceNr);
            Assert.Equal($"a-{seq}", replayed.Persistent.Payload);
            Assert.Equal(_pid, replayed.Persistent.PersistenceId);
            Assert.Equal(_writerGuid, replayed.Persistent.WriterGuid);
        }
    }

    [Fact]
    public void Replays_all_messages()
    {
        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, _pid, _receiver.Ref));
        ExpectReplayed(1, 2, 3, 4, 5);
        _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5);
    }

    [Fact]
    public void Replays_messages_within_lower_and_upper_bounds()
    {
        Journal.Tell(new ReplayMessages(2, 4, long.MaxValue, _pid, _receiver.Ref));
        ExpectReplayed(2, 3, 4);
        _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5);
    }

    [Fact]
    public void Replays_at_most_max_messages()
    {
        Journal.Tell(new ReplayMessages(1, long.MaxValue, 3, _pid, _receiver.Ref));
        ExpectReplayed(1, 2, 3);
        _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5);
    }

    [Fact]
    public void Replays_nothing_when_lower_bound_is_past_upper_bound()
    {
        Journal.Tell(new ReplayMessages(3, 2, long.MaxValue, _pid, _receiver.Ref));
        _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5);
    }

    [Fact]
    public void Replays_nothing_for_an_unknown_id_and_reports_zero()
    {
        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "unknown", _receiver.Ref));
        _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 0);
    }

    [Fact]
    public void Ids_that_prefix_each_other_keep_their_own_events()
    {
        WriteMessages(1, 2, "p-10");
        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, _pid, _receiver.Ref));
        ExpectReplayed(1, 2, 3, 4, 5);
        _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5);
        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "p-", _receiver.Ref));
        _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 0);
    }

    [Fact]
    public void Deleted_messages_are_not_replayed_and_the_highest_number_stays()
    {
        Journal.Tell(new DeleteMessagesTo(_pid, 3, _receiver.Ref));
        _receiver.ExpectMsg<DeleteMessagesSuccess>(m => m.ToSequenceNr == 3);
        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, _pid, _receiver.Ref));
        ExpectReplayed(4, 5);
        _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5);

        Journal.Tell(new DeleteMessagesTo(_pid, long.MaxValue, _receiver.Ref));
        _receiver.ExpectMsg<DeleteMessagesSuccess>();
        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, _pid, _receiver.Ref));
        _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5);
    }

    [Fact]
    public void A_replay_right_after_a_write_waits_for_it()
    {
        var writes = new List<IPersistentEnvelope> { new AtomicWrite(Event("a-6", 6, _pid)) };
        Journal.Tell(new WriteMessages(writes, _receiver.Ref, 1));
        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, _pid, _sender.Ref));
        _receiver.ExpectMsg<WriteMessagesSuccessful>();
        _receiver.ExpectMsg<WriteMessageSuccess>();
        for (var i = 1; i <= 6; i++) _sender.ExpectMsg<ReplayedMessage>(m => m.Persistent.SequenceNr == i);
        _sender.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 6);
    }

    [Fact]
    public void An_unserializable_event_is_rejected_and_the_other_writes_succeed()
    {
        var writes = new List<IPersistentEnvelope>
        {
            new AtomicWrite(Event("a-6", 6, _pid)),
            new AtomicWrite(Event(new Unserializable("no"), 7, _pid)),
            new AtomicWrite(Event("a-8", 8, _pid)),
        };
        Journal.Tell(new WriteMessages(writes, _receiver.Ref, 1));
        _receiver.ExpectMsg<WriteMessagesSuccessful>();
        _receiver.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 6);
        _receiver.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == 7 && m.Cause.Message.Contains("cannot be serialized"));
        _receiver.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 8);

        Journal.Tell(new ReplayMessages(6, long.MaxValue, long.MaxValue, _pid, _receiver.Ref));
        ExpectReplayed(6, 8);
        _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 8);
    }

    [Fact]
    public void An_atomic_write_is_written_whole_or_not_at_all()
    {
        var writes = new List<IPersistentEnvelope>
        {
            new AtomicWrite(ImmutableList.Create<IPersistentRepresentation>(
                Event("a-6", 6, _pid), Event(new Unserializable("no"), 7, _pid), Event("a-8", 8, _pid))),
            new AtomicWrite(ImmutableList.Create<IPersistentRepresentation>(Event("a-1", 1, "p-2"), Event("a-2", 2, "p-2"))),
        };
        Journal.Tell(new WriteMessages(writes, _receiver.Ref, 1));
        _receiver.ExpectMsg<WriteMessagesSuccessful>();
        for (var i = 6; i <= 8; i++) _receiver.ExpectMsg<WriteMessageRejected>();
        _receiver.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 1);
        _receiver.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 2);

        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, _pid, _receiver.Ref));
        ExpectReplayed(1, 2, 3, 4, 5);
        _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5);
        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "p-2", _receiver.Ref));
        _receiver.ExpectMsg<ReplayedMessage>(m => m.Persistent.SequenceNr == 1);
        _receiver.ExpectMsg<ReplayedMessage>(m => m.Persistent.SequenceNr == 2);
        _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 2);
    }
}
