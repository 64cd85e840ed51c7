using Akka.TestKit.Xunit2;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Tests.Durability;

/// <summary>RaftActorOptions.JournalPluginId: a peer writes to, and recovers from, the journal it is given.</summary>
public sealed class JournalPluginChoiceTests : Akka.TestKit.Xunit2.TestKit
{
    public JournalPluginChoiceTests() : base("""
        akka.loglevel = WARNING
        akka.persistence.journal.other {
          class = "Akka.Persistence.Journal.MemoryJournal, Akka.Persistence"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """) { }

    [Fact]
    public async Task A_peer_keeps_its_state_in_the_journal_it_is_given()
    {
        var n1 = new SinglePeer(this);
        var options = new RaftActorOptions { JournalPluginId = "akka.persistence.journal.other" };
        var peer = Sys.ActorOf(RaftActor.Props(n1.Settings, n1.Routes, options), "n1-other-1");
        peer.Tell(SinglePeer.Append("n2", term: 4, prevIndex: 0, prevTerm: 0, commit: 0));
        n1.N2.ExpectMsg<AppendEntriesResult>(r => Assert.True(r.Success && r.Term == 4));
        await n1.Crash(peer);

        // The default journal never saw it ...
        var onDefault = await n1.Start();
        Assert.Equal(0, (await SinglePeer.State(onDefault)).Term);
        await n1.Crash(onDefault);

        // ... and the chosen one gives it back.
        var again = Sys.ActorOf(RaftActor.Props(n1.Settings, n1.Routes, options), "n1-other-2");
        Assert.Equal(4, (await SinglePeer.State(again)).Term);
    }
}
