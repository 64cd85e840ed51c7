namespace AkkaRaft.TestKit;

/// <summary>ActorSystem configurations for tests that run a <see cref="RaftCluster"/> or <see cref="KvCluster"/>.</summary>
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

    /// <summary>
    /// Like <see cref="RealTime"/> but on Akka.TestKit's TestScheduler, so time moves only when a test advances it, and
    /// with Warning logging. Give the cluster the scheduler's clock too, e.g.
    /// <c>clock: new SchedulerTimeProvider(Sys.Scheduler)</c>.
    /// </summary>
    public const string VirtualTime = """
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.actor.serialize-messages = off
        akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """;
}
