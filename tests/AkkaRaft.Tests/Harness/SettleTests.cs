using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;
using AkkaRaft.Actors;
using AkkaRaft.Tests.GroupMembership;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Harness;

/// <summary>
/// <see cref="AkkaRaft.TestKit.RaftCluster.Settle"/> on virtual time waits for the peers' journal writes, which complete
/// on real time: here every write takes 100 ms of real time, so a step that did not wait would leave the answers behind it.
/// </summary>
public sealed class SettleTests(ITestOutputHelper output)
    : MembershipTest(output, "akka.persistence.journal.inmem.class = \"AkkaRaft.Tests.Harness.SlowMemoryJournal, AkkaRaft.Tests\"")
{
    [Fact]
    public async Task A_proposal_commits_within_one_settle_although_every_journal_write_completes_100_ms_of_real_time_later()
    {
        NewCluster(3, 3, leaderNoOp: false);
        var leader = await Leader();

        var accepted = Assert.IsType<ProposeAccepted>(await Cluster.Propose(leader, AkkaRaft.TestKit.RaftCluster.Cmd(7)));
        await Cluster.Settle(); // no virtual time passes: the append, the followers' writes and their answers all fit in the hops

        Assert.True((await Cluster.GetState(leader))!.CommitIndex >= accepted.Index,
            $"entry {accepted.Index} should be committed once the settle step returns");
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
