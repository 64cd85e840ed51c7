using System.Diagnostics;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Durability;

/// <summary>
/// A TestKit whose journal and snapshot store are Akka.Persistence.TestKit's, so a test can fail, reject or delay
/// writes and fail recovery; with peer n1 (and probes for n2 and n3) on it.
/// </summary>
public abstract class TestJournalKit : Akka.TestKit.Xunit2.TestKit
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
        Journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null));
    }

    /// <summary>Peer n1's settings and the probes standing in for n2 and n3.</summary>
    private protected SinglePeer N1 { get; }

    /// <summary>The journal's fault controls.</summary>
    private protected ITestJournal Journal { get; }

    /// <summary>The delay a test gives the journal's writes with <c>Journal.OnWrite.PassWithDelay(WriteDelay)</c>.</summary>
    private protected static readonly TimeSpan WriteDelay = TimeSpan.FromMilliseconds(800);

    /// <summary>
    /// Asserts that an answer that waits for a delayed write did not come sooner than half the delay after the request.
    /// Measured from the request to the answer's receipt, so a busy machine (a test thread that runs late) can only make
    /// an answer later, never earlier; a window of expected silence would fail when the test thread is the one late.
    /// </summary>
    private protected static void AssertNotBefore(Stopwatch sinceRequest, string what) =>
        Assert.True(sinceRequest.Elapsed >= WriteDelay / 2, $"{what} came {sinceRequest.Elapsed.TotalMilliseconds:F0} ms after the request, before the {WriteDelay.TotalMilliseconds:F0} ms write could complete");
}
