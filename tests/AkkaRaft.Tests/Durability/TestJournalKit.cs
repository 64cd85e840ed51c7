using Akka.Persistence;
using Akka.Persistence.TestKit;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Durability;

/// <summary>
/// A TestKit whose journal and snapshot store are Akka.Persistence.TestKit's, so a test can fail, reject or delay
/// writes and fail recovery; with peer n1 (and probes for n2 and n3) on it.
/// </summary>
public abstract class TestJournalKit : TestKit
{
    /// <summary>Akka.Persistence.TestKit's journal and snapshot store, whose writes a test can fail, reject or delay.</summary>
    internal const string Config = """
        akka.loglevel = INFO
        akka.persistence.journal.plugin = "akka.persistence.journal.test"
        akka.persistence.journal.test {
          class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.test"
        akka.persistence.snapshot-store.test {
          class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """;

    private protected TestJournalKit(ITestOutputHelper output) : base(Config, output: output)
    {
        N1 = new SinglePeer(this);
        Journal = TestJournal.FromRef(Persistence.Instance.Apply(Sys).JournalFor(null));
    }

    /// <summary>Peer n1's settings and the probes standing in for n2 and n3.</summary>
    private protected SinglePeer N1 { get; }

    /// <summary>The journal's fault controls.</summary>
    private protected ITestJournal Journal { get; }
}
