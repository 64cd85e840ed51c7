namespace AkkaRaft.TestKit;

/// <summary>ActorSystem configuration for tests that run peers on real time.</summary>
internal static class HarnessConfig
{
    public const string RealTime = """
        akka.loglevel = INFO
        akka.stdout-loglevel = WARNING
        akka.actor.serialize-messages = off
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """;
}
