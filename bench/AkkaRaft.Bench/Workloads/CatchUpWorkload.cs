using System.Diagnostics;
using System.Globalization;
using AkkaRaft.Actors;

namespace AkkaRaft.Bench;

/// <summary>
/// A learner joining a running group, on the <c>remote</c> setup (three peers, each in its own ActorSystem with its own
/// SQLite file, over Akka.Remote), peers snapshotting every <see cref="BenchOptions.SnapshotEvery"/> entries a state of
/// <see cref="BenchOptions.SnapshotBytes"/> bytes. Catch-up: commit <see cref="BenchOptions.CatchUpEntries"/> entries,
/// start a fourth peer with <c>join = on</c> in an ActorSystem of its own, send the leader <see cref="AddLearner"/>, and
/// time from its <see cref="MembershipChanged"/> until the learner has applied the index of that change; the log is
/// compacted, so the learner gets the snapshot (InstallSnapshot) and then the entries after it. Throughput: 64
/// closed-loop proposers on the three peers alone, and in a window during which fresh learners are added one after
/// another, each removed once it has caught up (<see cref="CatchUpThroughput"/>).
/// </summary>
internal static class CatchUpWorkload
{
    private const double CatchUpBarSeconds = 5.0;
    private const double ThroughputBar = 0.5;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    /// <summary>One catch-up: seconds from MembershipChanged until the learner had the snapshot, the commit index, the entries applied.</summary>
    internal sealed record CatchUpRun(double AddSeconds, double SnapshotSeconds, double CommitSeconds, double AppliedSeconds, long Target, long SnapshotIndex, string? Failure = null);

    public static async Task<int> Run(BenchOptions options)
    {
        Console.WriteLine($"catch-up: remote mode, snapshots every {options.SnapshotEvery:N0} entries of a {options.SnapshotBytes:N0}-byte state " +
                          $"(chunks of {BenchCluster.DefaultSettings().SnapshotChunkBytes:N0} bytes), {options.CatchUpEntries:N0} entries before each add, {options.CatchUpRuns} runs");
        var runs = new List<CatchUpRun>();
        for (var i = 1; i <= options.CatchUpRuns; i++)
        {
            var run = await CatchUpOnce(options);
            if (run.Failure is not null)
            {
                Console.WriteLine($"catch-up {i}: failed ({run.Failure}); once more on a fresh cluster");
                run = await CatchUpOnce(options);
            }
            runs.Add(run);
            Console.WriteLine(run.Failure is { } f
                ? $"catch-up {i}: FAILED: {f}"
                : string.Create(Ci, $"catch-up {i}: {run.AppliedSeconds:F3} s (config committed in {run.AddSeconds:F3} s after AddLearner; then snapshot at {run.SnapshotIndex:N0} installed at {run.SnapshotSeconds:F3} s, " +
                                    $"commit index {run.Target:N0} reached at {run.CommitSeconds:F3} s, applied at {run.AppliedSeconds:F3} s)"));
        }

        var proposers = options.Proposers[0];
        var without = new List<double>();
        var with = new List<CatchUpThroughput.Window>();
        var pairRatios = new List<double>();
        for (var i = 1; i <= options.CatchUpRuns; i++)
        {
            var alone = await CatchUpThroughput.MeasureWithRetry(options, proposers, learners: false);
            Console.WriteLine(alone.Failure is { } f1 ? $"throughput {i}, without learners: FAILED: {f1}" : string.Create(Ci, $"throughput {i}, without learners: {alone.PerSecond:N0} commits/s; {alone.Costs()}"));
            var joined = await CatchUpThroughput.MeasureWithRetry(options, proposers, learners: true);
            Console.WriteLine(joined.Failure is { } f2 ? $"throughput {i}, with learners: FAILED: {f2}" : string.Create(Ci,
                $"throughput {i}, with learners: {joined.PerSecond:N0} commits/s ({joined.CatchUps.Count} learners caught up, catching up {joined.CatchingUpShare:P0} of the window; " +
                $"catch-ups {string.Join(", ", joined.CatchUps.Select(c => c.ToString("F2", Ci)))} s); {joined.Costs()}"));
            if (alone.Failure is null) without.Add(alone.PerSecond);
            if (joined.Failure is null) with.Add(joined);
            if (alone.Failure is null && joined.Failure is null) pairRatios.Add(joined.PerSecond / alone.PerSecond);
        }

        Console.WriteLine();
        var ok = runs.Where(r => r.Failure is null).ToArray();
        var failed = runs.Count - ok.Length + (options.CatchUpRuns - without.Count) + (options.CatchUpRuns - with.Count);
        if (ok.Length > 0)
        {
            var applied = Median(ok.Select(r => r.AppliedSeconds));
            Console.WriteLine(string.Create(Ci, $"catch-up of {options.CatchUpEntries:N0} entries: median {applied:F3} s (min {ok.Min(r => r.AppliedSeconds):F3}, max {ok.Max(r => r.AppliedSeconds):F3}, {ok.Length} runs); " +
                                                $"snapshot installed at {Median(ok.Select(r => r.SnapshotSeconds)):F3} s, commit index at {Median(ok.Select(r => r.CommitSeconds)):F3} s (medians); bar < {CatchUpBarSeconds:F0} s: {Verdict(applied < CatchUpBarSeconds)}"));
        }
        if (without.Count > 0 && with.Count > 0)
        {
            var alone = Median(without);
            var joined = Median(with.Select(w => w.PerSecond));
            Console.WriteLine(string.Create(Ci, $"throughput at {proposers} proposers: without learners median {alone:N0} commits/s ({without.Min():N0}-{without.Max():N0}), " +
                                                $"with learners catching up median {joined:N0} ({with.Min(w => w.PerSecond):N0}-{with.Max(w => w.PerSecond):N0}), " +
                                                $"catch-ups under load median {Median(with.SelectMany(w => w.CatchUps)):F2} s; ratio {joined / alone:F2} (bar > {ThroughputBar:F1}): {Verdict(joined > ThroughputBar * alone)}; " +
                                                $"pairs {string.Join(", ", pairRatios.Select(r => r.ToString("F2", Ci)))}"));
        }
        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB");
        return failed > 0 ? 1 : 0;
    }

    /// <summary>The hocon on top of <see cref="BenchCluster.Hocon"/> every peer of this workload runs with.</summary>
    public static string Hocon(BenchOptions options) => $"akka.raft.snapshot.log-entries = {options.SnapshotEvery}";

    /// <summary>A fresh remote cluster whose peers snapshot through the driver, and its leader.</summary>
    public static async Task<(BenchCluster Cluster, RaftState Leader)> StartCluster(BenchOptions options)
    {
        var cluster = BenchCluster.Start("remote", system =>
            system.ActorOf(Props.Create(() => new ProposerDriver(options.CommandBytes, options.SnapshotBytes)), "proposers"), Hocon(options));
        return (cluster, await cluster.WaitForLeader(TimeSpan.FromSeconds(15)));
    }

    /// <summary>Starts joining peer <paramref name="id"/> and waits until it has recovered (it answers GetState).</summary>
    public static async Task<(IActorRef Peer, string Address)> StartLearner(BenchCluster cluster, string id, int snapshotBytes)
    {
        var (peer, address) = cluster.StartJoiner(id, system => system.ActorOf(Props.Create(() => new SnapshotStandIn(snapshotBytes)), "state"));
        await State(peer);
        return (peer, address);
    }

    /// <summary>Sends <paramref name="request"/> to the leader and returns its <see cref="MembershipChanged"/>, or throws with the refusal.</summary>
    public static async Task<MembershipChanged> Change(IActorRef leader, object request) =>
        await leader.Ask<object>(request, AskTimeout) switch
        {
            MembershipChanged changed => changed,
            MembershipChangeRefused refused => throw new InvalidOperationException($"{request.GetType().Name} refused: {refused.Message}"),
            var other => throw new InvalidOperationException($"{request.GetType().Name} answered {other}"),
        };

    public static Task<RaftState> State(IActorRef peer) => peer.Ask<RaftState>(GetState.Instance, AskTimeout);

    private static async Task<CatchUpRun> CatchUpOnce(BenchOptions options)
    {
        try
        {
            var (cluster, leader) = await StartCluster(options);
            await using var _ = cluster;
            var filling = Stopwatch.StartNew();
            leader = await Fill(cluster, leader, options.CatchUpEntries);
            Console.WriteLine($"  {leader.CommitIndex:N0} entries committed in {filling.Elapsed.TotalSeconds:F1} s; {leader.PeerId}'s snapshot at {leader.SnapshotIndex:N0}, {leader.LastLogIndex - leader.SnapshotIndex:N0} entries after it");
            var leaderRef = cluster.Peer(leader.PeerId);
            var (learner, address) = await StartLearner(cluster, "n4", options.SnapshotBytes);
            var added = Stopwatch.StartNew();
            var changed = await Change(leaderRef, new AddLearner("n4", address));
            var addSeconds = added.Elapsed.TotalSeconds;
            var clock = Stopwatch.StartNew();
            double snapshotAt = double.NaN, commitAt = double.NaN;
            RaftState seen;
            while (true)
            {
                seen = await State(learner);
                var now = clock.Elapsed.TotalSeconds;
                if (double.IsNaN(snapshotAt) && seen.SnapshotIndex > 0) snapshotAt = now;
                if (double.IsNaN(commitAt) && seen.CommitIndex >= changed.Index) commitAt = now;
                if (seen.LastApplied >= changed.Index) break;
                if (clock.Elapsed > TimeSpan.FromMinutes(2))
                    return new CatchUpRun(addSeconds, snapshotAt, commitAt, double.NaN, changed.Index, seen.SnapshotIndex, $"the learner had applied {seen.LastApplied:N0} of {changed.Index:N0} after 2 minutes");
                await Task.Delay(2);
            }
            var applied = clock.Elapsed.TotalSeconds;
            var after = await State(leaderRef);
            var failure = after.IsLeader && after.Term == leader.Term ? null : $"{leader.PeerId} lost leadership during the catch-up";
            return new CatchUpRun(addSeconds, double.IsNaN(snapshotAt) ? applied : snapshotAt, commitAt, applied, changed.Index, seen.SnapshotIndex, failure);
        }
        catch (Exception e)
        {
            return new CatchUpRun(0, 0, 0, 0, 0, 0, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Keeps 64 proposers on whichever peer leads until <paramref name="entries"/> are committed, then stops them and
    /// waits until the leader has applied its whole log; returns its state then. On this shared machine a leader may
    /// miss its check-quorum deadline under load: the load follows the next leader.
    /// </summary>
    private static async Task<RaftState> Fill(BenchCluster cluster, RaftState leader, long entries)
    {
        var clock = Stopwatch.StartNew();
        cluster.Driver.Tell(new StartProposing(cluster.Peer(leader.PeerId), leader.PeerId, leader.Term, 64));
        while (true)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException($"{entries:N0} entries not committed within 5 minutes");
            var state = await State(cluster.Peer(leader.PeerId));
            if (state.IsLeader && state.Term == leader.Term)
            {
                if (state.CommitIndex >= entries) break;
            }
            else
            {
                leader = await cluster.WaitForLeader(TimeSpan.FromSeconds(15));
                Console.WriteLine($"  (the leadership moved to {leader.PeerId} at term {leader.Term} while the log was filled; the load follows it)");
                cluster.Driver.Tell(new StartProposing(cluster.Peer(leader.PeerId), leader.PeerId, leader.Term, 64));
            }
            await Task.Delay(50);
        }
        await cluster.Driver.Ask<Measurement>(EndMeasurement.Instance, AskTimeout); // stops proposing
        while (true)
        {
            var state = await State(cluster.Peer(leader.PeerId));
            if (!state.IsLeader || state.Term != leader.Term) throw new InvalidOperationException($"{leader.PeerId} lost leadership after the log was filled");
            if (state.LastApplied >= state.LastLogIndex) return state;
            await Task.Delay(20);
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Verdict(bool met) => met ? "met" : "MISSED";
}

/// <summary>
/// A joining peer's state machine: it applies nothing of its own and, asked for a snapshot, answers with a state of the
/// same size as the group's (<see cref="ProposerDriver.SyntheticState"/>), so the learner compacts its log as they do.
/// </summary>
internal sealed class SnapshotStandIn : ReceiveActor
{
    public SnapshotStandIn(int snapshotBytes)
    {
        Receive<Applied>(_ => { });
        Receive<SnapshotInstalled>(_ => { });
        Receive<SnapshotRequested>(r => Sender.Tell(new Snapshot(r.LastApplied, ProposerDriver.SyntheticState(r.LastApplied, snapshotBytes))));
    }
}
