using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using AkkaRaft.Persistence.RocksDb;

// Usage: AkkaRaft.Persistence.CrashWriter <database directory>
// Recovers the persistent actor "writer" from the RocksDB journal, prints "recovered <n> <check>" (n events, check
// "ok" when they are exactly 1..n each with payload "event-<seq>", else the first problem), then persists events
// "event-<n+1>", "event-<n+2>", ... one at a time, printing "ack <seq>" after each is acknowledged, until killed.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: AkkaRaft.Persistence.CrashWriter <database directory>");
    return 2;
}
var config = ConfigurationFactory.ParseString($$"""
    akka.loglevel = WARNING
    akka.persistence.journal.plugin = "akka.persistence.journal.rocksdb"
    akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.rocksdb"
    akka.persistence.journal.rocksdb.path = "{{args[0].Replace("\\", "\\\\")}}"
    akka.persistence.snapshot-store.rocksdb.path = "{{args[0].Replace("\\", "\\\\")}}"
    """).WithFallback(RocksDbPersistence.DefaultConfiguration);
var system = ActorSystem.Create("crash-writer", config);
system.ActorOf(Props.Create(() => new Writer()), "writer");
await system.WhenTerminated;
return 0;

internal sealed class Writer : ReceivePersistentActor
{
    private long _recovered;
    private string? _problem;

    public override string PersistenceId => "writer";

    public Writer()
    {
        Recover<string>(payload =>
        {
            _recovered++;
            var expected = $"event-{LastSequenceNr}";
            if (_problem is null && (LastSequenceNr != _recovered || payload != expected))
                _problem = $"event {_recovered} has sequence number {LastSequenceNr} and payload {payload}";
        });
        Recover<RecoveryCompleted>(_ =>
        {
            Console.Out.WriteLine($"recovered {_recovered} {_problem ?? "ok"}");
            Console.Out.Flush();
            Self.Tell("next");
        });
        Command<string>(_ => Persist($"event-{LastSequenceNr + 1}", _ =>
        {
            Console.Out.WriteLine($"ack {LastSequenceNr}");
            Console.Out.Flush();
            Self.Tell("next");
        }));
    }
}
