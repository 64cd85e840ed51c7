using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Harness;

/// <summary>
/// <see cref="RaftCluster.Settle"/> on virtual time waits for the peers' journal writes, which complete on real time:
/// here every write takes 100 ms of real time, so a step that did not wait would leave the answers behind it.
/// </summary>
public sealed class SettleTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(HarnessConfig.VirtualTime + SlowJournal, output: output)
{
    private const string SlowJournal = "\nakka.persistence.journal.inmem.class = \"AkkaRaft.Tests.Harness.SlowMemoryJournal, AkkaRaft.Tests\"";

    [Fact]
    public async Task A_proposal_commits_within_one_settle_although_every_journal_write_completes_100_ms_of_real_time_later()
    {
        using var cluster = new RaftCluster(Sys, 3, clock: new SchedulerTimeProvider(Sys.Scheduler));
        var leader = await Leader(cluster);

        var accepted = Assert.IsType<ProposeAccepted>(await cluster.Propose(leader, RaftCluster.Cmd(7)));
        await cluster.Settle(); // no virtual time passes: the append, the followers' writes and their answers all fit in the hops

        Assert.True((await cluster.GetState(leader))!.CommitIndex >= accepted.Index,
            $"entry {accepted.Index} should be committed once the settle step returns");
    }

    private async Task<int> Leader(RaftCluster cluster)
    {
        for (var t = TimeSpan.Zero; t < TimeSpan.FromSeconds(10); t += TimeSpan.FromMilliseconds(10))
        {
            ((TestScheduler)Sys.Scheduler).Advance(TimeSpan.FromMilliseconds(10));
            await cluster.Settle();
            var states = await Task.WhenAll(Enumerable.Range(0, cluster.N).Select(cluster.GetState));
            var leaders = states.Where(s => s is { IsLeader: true }).ToArray();
            if (leaders.Length == 1 && states.All(s => s!.Term == leaders[0]!.Term && s.LeaderId == leaders[0]!.PeerId))
                return RaftCluster.IndexOf(leaders[0]!.PeerId);
        }
        throw new Xunit.Sdk.XunitException("no agreed leader within 10 s of virtual time");
    }
}

/// <summary>The in-memory journal, each of whose writes completes 100 ms of real time after it is stored.</summary>
internal sealed class SlowMemoryJournal : MemoryJournal
{
    protected override async Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var results = await base.WriteMessagesAsync(messages, cancellationToken); // stored on the journal's thread
        await Task.Delay(100, cancellationToken);
        return results;
    }
}
