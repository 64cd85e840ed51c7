using System.Collections.Concurrent;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Persistence;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Unit;

/// <summary>A leader journals a burst of proposals in events no larger than one AppendEntries may carry.</summary>
public sealed class JournalWriteSizeTests : VirtualTimePeerTest
{
    public JournalWriteSizeTests(ITestOutputHelper output) : base(output) { }

    /// <summary>Records how many entries each journaled append carries, and holds the first write until released.</summary>
    private sealed class Recorder : IJournalInterceptor
    {
        private int _writes;

        public ConcurrentQueue<int> AppendSizes { get; } = new();
        public TaskCompletionSource FirstStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource ReleaseFirst { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task InterceptAsync(IPersistentRepresentation message)
        {
            if (message.Payload is EntriesAppended appended) AppendSizes.Enqueue(appended.Entries.Count);
            if (Interlocked.Increment(ref _writes) != 1) return Task.CompletedTask;
            FirstStarted.TrySetResult();
            return ReleaseFirst.Task;
        }
    }

    [Fact]
    public async Task Leader_journals_a_burst_of_proposals_in_events_capped_by_max_bytes_per_message()
    {
        // Reference: Raft paper §5.3 (the leader appends each command to its log before replicating it); one journal
        // event is capped like one AppendEntries, so no burst becomes a single event too large to write or recover
        var recorder = new Recorder();
        var journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(TestJournalPluginId));
        await journal.OnWrite.SetInterceptorAsync(recorder);
        // A group of one: n1 leads as soon as its vote for itself is durable. Commands are 8 bytes; two fit in 16.
        var settings = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft.members = [n1]"))
            .WithPeerId("n1").WithElectionTimeout(ElectionTimeout, ElectionTimeout).WithReplication(maxBytesPerMessage: 16).WithLeaderNoOp(false);
        var peer = Sys.ActorOf(RaftActor.Props(settings, RaftPeers.FromRefs(new Dictionary<string, IActorRef>()),
            new RaftActorOptions { JournalPluginId = TestJournalPluginId }), "n1-alone");
        await StateOf(peer);

        // While the vote is being written every command waits in the stash, so all six proposals reach the new
        // leader together, ahead of its first flush.
        Advance(ElectionTimeout);
        await recorder.FirstStarted.Task.WaitAsync(TimeSpan.FromSeconds(3));
        for (var i = 1; i <= 6; i++) peer.Tell(new Propose(Command(i)), TestActor);
        recorder.ReleaseFirst.SetResult();
        for (var i = 1; i <= 6; i++) ExpectMsg(new ProposeAccepted(i, 1));

        await AwaitAssertAsync(async () => Assert.Equal(6, (await StateOf(peer)).CommitIndex));
        Assert.Equal(new[] { 2, 2, 2 }, recorder.AppendSizes.ToArray());
    }
}
