using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.TestKit;
using AkkaRaft.Tests.GroupMembership;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Durability;

/// <summary>
/// A disk that stalls is not a failure: while the followers' journal writes hang for several quorum checks, the leader
/// keeps its leadership and term, and the entry it was replicating commits once the writes complete. On virtual time,
/// with the followers' writes held on real time.
/// </summary>
public sealed class StalledDiskTests(ITestOutputHelper output)
    : MembershipTest(output, "akka.persistence.journal.inmem.class = \"AkkaRaft.Tests.Durability.StallingMemoryJournal, AkkaRaft.Tests\"")
{
    [Fact]
    public async Task A_leader_keeps_its_term_while_its_followers_writes_stall_for_several_quorum_checks()
    {
        // Reference: Raft thesis §6.2 (check-quorum steps down a leader cut off from a majority, not one whose followers
        // are slow to write); Raft paper Figure 2 (entries durable before they are acknowledged)
        NewCluster(3, 3);
        var leader = await Leader();
        var term = (await Cluster.GetState(leader))!.Term;
        var followers = Enumerable.Range(0, 3).Where(i => i != leader).ToArray();
        var stall = StallingMemoryJournal.Hold(Sys, followers.Select(i => RaftActor.PersistenceIdFor(Cluster.Settings.ClusterId, RaftCluster.Id(i))));

        try
        {
            var accepted = Assert.IsType<ProposeAccepted>(await Cluster.Propose(leader, RaftCluster.Cmd(7)));
            // Four minimum election timeouts: a leader that heard nothing in that time would have stepped down twice
            // over. Checked at every step, before a follower could campaign and stall on writing its vote.
            for (var t = TimeSpan.Zero; t < ElectionTimeout * 4; t += Step)
            {
                ((TestScheduler)Sys.Scheduler).Advance(Step);
                await Cluster.SettleMessages();
                var during = (await Cluster.GetState(leader))!;
                Assert.True((RaftRole.Leader, term) == (during.Role, during.Term),
                    $"{RaftCluster.Id(leader)} is {during.Role} at term {during.Term} after {t.TotalMilliseconds} ms of stalled writes");
                Assert.True(during.CommitIndex < accepted.Index, "nothing commits while no follower has written the entry");
            }

            stall.Release();
            await RunUntil(() => Task.FromResult(Cluster.NCommitted(accepted.Index).Count == 3), TimeSpan.FromSeconds(5), "the entry applied on all three");
            Assert.Equal(term, (await Cluster.GetState(leader))!.Term);
        }
        finally
        {
            stall.Release();
        }
    }
}

/// <summary>The in-memory journal, whose writes for persistence ids a test holds complete only once it releases them.</summary>
internal sealed class StallingMemoryJournal : MemoryJournal
{
    private static readonly ConcurrentDictionary<ActorSystem, Stall> Stalls = new();

    /// <summary>Holds the writes of <paramref name="persistenceIds"/> in <paramref name="system"/> from now until released.</summary>
    public static Stall Hold(ActorSystem system, IEnumerable<string> persistenceIds)
    {
        var stall = new Stall(persistenceIds.ToHashSet(StringComparer.Ordinal));
        Stalls[system] = stall;
        system.RegisterOnTermination(() => Stalls.TryRemove(system, out _));
        return stall;
    }

    protected override async Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToArray();
        var results = await base.WriteMessagesAsync(writes, cancellationToken); // stored, not yet reported durable
        if (Stalls.TryGetValue(Context.System, out var stall) && writes.Any(w => stall.PersistenceIds.Contains(w.PersistenceId)))
            await stall.Released;
        return results;
    }

    internal sealed class Stall(HashSet<string> persistenceIds)
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HashSet<string> PersistenceIds { get; } = persistenceIds;

        public Task Released => _released.Task;

        public void Release() => _released.TrySetResult();
    }
}
