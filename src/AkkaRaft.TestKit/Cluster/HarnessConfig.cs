namespace AkkaRaft.TestKit;

/// <summary>ActorSystem configuration for tests that run a <see cref="RaftCluster"/> or <see cref="KvCluster"/> on real time.</summary>
public static class HarnessConfig
{
    /// <summary>
    /// In-memory journal and snapshot store (a crashed peer restarts from them), no message serialization, Info logging.
    /// Pass it to the test kit's ActorSystem, e.g. <c>base(HarnessConfig.RealTime)</c>.
    /// </summary>
    public const string RealTime = """
        akka.loglevel = INFO
        akka.stdout-loglevel = WARNING
        akka.actor.serialize-messages = off
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """;
}
