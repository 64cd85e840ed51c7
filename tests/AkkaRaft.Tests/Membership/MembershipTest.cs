using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.GroupMembership;

/// <summary>
/// Groups that change their membership, over the simulated network on virtual time. Time moves only when a test runs
/// it, in steps of <see cref="Step"/>, each followed by <see cref="RaftCluster.Settle"/>, so every scenario is
/// deterministic; the peers read the scheduler's clock, so catch-up rounds follow virtual time too.
/// </summary>
public abstract class MembershipTest : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>One step of virtual time.</summary>
    protected static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    /// <summary>The reference.conf election timeout bounds.</summary>
    protected static readonly TimeSpan ElectionTimeout = TimeSpan.FromMilliseconds(600);

    /// <param name="output">The test's output.</param>
    /// <param name="config">HOCON laid over <see cref="HarnessConfig.VirtualTime"/>, such as another journal.</param>
    protected MembershipTest(ITestOutputHelper output, string config = "") : base(HarnessConfig.VirtualTime + "\n" + config, output: output) { }

    /// <summary>The cluster under test; set by <see cref="NewCluster"/>.</summary>
    protected RaftCluster Cluster { get; private set; } = null!;

    /// <summary>
    /// <paramref name="peers"/> peers of which the first <paramref name="members"/> form the group and the others wait to
    /// be added; a new leader appends an entry of its term unless <paramref name="leaderNoOp"/> is false.
    /// </summary>
    protected RaftCluster NewCluster(int peers, int members, bool leaderNoOp = true, int snapshotEvery = 0, Func<RaftSettings, RaftSettings>? tune = null)
    {
        Cluster = new RaftCluster(Sys, peers, tune: s => (tune ?? (x => x))(s.WithLeaderNoOp(leaderNoOp)), snapshotEvery: snapshotEvery,
            members: members, clock: new SchedulerTimeProvider(Sys.Scheduler));
        return Cluster;
    }

    /// <summary>Advances virtual time one step and lets that step's messages be handled.</summary>
    protected async Task Tick()
    {
        ((TestScheduler)Sys.Scheduler).Advance(Step);
        await Cluster.Settle();
    }

    /// <summary>Runs virtual time for <paramref name="span"/>, calling <paramref name="observe"/> with every peer's state after each step.</summary>
    protected async Task Run(TimeSpan span, Action<RaftState?[]>? observe = null)
    {
        for (var t = TimeSpan.Zero; t < span; t += Step)
        {
            await Tick();
            if (observe is not null) observe(await States());
        }
    }

    /// <summary>Runs virtual time until <paramref name="condition"/> holds; fails after <paramref name="within"/>.</summary>
    protected async Task RunUntil(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        for (var t = TimeSpan.Zero; t <= within; t += Step)
        {
            if (await condition()) return;
            await Tick();
        }
        Assert.Fail($"{what}: not within {within.TotalSeconds} s of virtual time");
    }

    protected async Task<RaftState?[]> States() => await Task.WhenAll(Enumerable.Range(0, Cluster.N).Select(Cluster.GetState));

    /// <summary>
    /// Runs until the connected peers that count themselves members (or those of <paramref name="among"/>) agree on one
    /// leader of their term, and returns its number.
    /// </summary>
    protected async Task<int> Leader(int[]? among = null, TimeSpan? within = null)
    {
        var leader = -1;
        await RunUntil(async () =>
        {
            var connected = (await States())
                .Where((s, i) => s is not null && Cluster.IsConnected(i) && (among?.Contains(i) ?? s.IsMember)).Select(s => s!).ToArray();
            var leaders = connected.Where(s => s.IsLeader).ToArray();
            if (leaders.Length != 1 || connected.Any(s => s.Term != leaders[0].Term || s.LeaderId != leaders[0].PeerId)) return false;
            leader = RaftCluster.IndexOf(leaders[0].PeerId);
            return true;
        }, within ?? TimeSpan.FromSeconds(10), "one settled leader");
        return leader;
    }

    /// <summary>Proposes <paramref name="value"/> to peer <paramref name="leader"/> and runs until <paramref name="peers"/> peers applied it; returns its index.</summary>
    protected async Task<long> Commit(int leader, int value, int peers)
    {
        var accepted = Assert.IsType<ProposeAccepted>(await Cluster.Propose(leader, RaftCluster.Cmd(value)));
        await RunUntil(() => Task.FromResult(Cluster.NCommitted(accepted.Index).Count >= peers), TimeSpan.FromSeconds(10), $"{value} applied on {peers} peers");
        return accepted.Index;
    }

    /// <summary>Sends <paramref name="request"/> to peer <paramref name="i"/> and runs virtual time until it answers.</summary>
    protected async Task<object> Ask(int i, object request, TimeSpan? within = null)
    {
        var answer = Cluster.Peer(i)!.Ask<object>(request, TimeSpan.FromSeconds(60));
        var limit = within ?? TimeSpan.FromSeconds(30);
        for (var t = TimeSpan.Zero; !answer.IsCompleted; t += Step)
        {
            Assert.True(t <= limit, $"{RaftCluster.Id(i)} did not answer {request} within {limit.TotalSeconds} s of virtual time");
            await Tick();
        }
        return await answer;
    }

    /// <summary>Sends <paramref name="request"/> to peer <paramref name="i"/> and waits for its immediate answer, without advancing time.</summary>
    protected Task<object> AskNow(int i, object request) => Cluster.Peer(i)!.Ask<object>(request, TimeSpan.FromSeconds(3));

    /// <summary>A change through the leader, retried on NotLeader and retryable refusals; returns the final answer.</summary>
    protected Task<object> Change(object request) => Cluster.ChangeMembership(request, Tick, attempts: 3000);

    /// <summary>A change that must be committed.</summary>
    protected async Task<MembershipChanged> Changed(object request) => Assert.IsType<MembershipChanged>(await Change(request));

    protected async Task<Members> MembersOf(int i) => (await Cluster.GetMembers(i))!;

    /// <summary>Peers other than <paramref name="except"/> among the first <paramref name="count"/>.</summary>
    protected static int[] Others(int count, params int[] except) => Enumerable.Range(0, count).Where(i => !except.Contains(i)).ToArray();

    /// <summary>Cuts both directions between <paramref name="a"/> and each of <paramref name="others"/>.</summary>
    protected void Cut(int a, params int[] others)
    {
        foreach (var b in others)
        {
            Cluster.Network.SetLink(a, b, false);
            Cluster.Network.SetLink(b, a, false);
        }
    }

    /// <summary>Restores every link between the first <paramref name="count"/> peers.</summary>
    protected void HealLinks(int count)
    {
        for (var a = 0; a < count; a++)
        for (var b = 0; b < count; b++)
            Cluster.Network.SetLink(a, b, true);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Cluster?.Dispose();
        base.Dispose(disposing);
    }
}
