using System.Diagnostics;
using AkkaRaft.Actors;

namespace AkkaRaft.Bench;

/// <summary>
/// Commit throughput of the three remote peers with and without a learner catching up. Without: closed-loop proposers,
/// warm-up, a measured window. With: the same, but from the window's start fresh learners are added one after another,
/// each (<see cref="AddLearner"/>) waited for until it has applied the index of its addition, then removed
/// (<see cref="RemoveMember"/>) before the next is added; so for most of the window a learner is being sent the snapshot
/// and the entries after it. The window is fixed (--duration), the throughput is over all of it, and the share of it
/// spent catching up is reported beside it. The learners' ActorSystems are started before the load: a new server is
/// another machine, whose start costs the group nothing.
/// </summary>
internal static class CatchUpThroughput
{
    /// <summary>
    /// Learners started before a window, per second of it: more than it has time to add (a catch-up of the default
    /// 6.4 MB state took 0.3-0.6 s under load, plus its addition and removal).
    /// </summary>
    private const int LearnersPerSecond = 3;

    /// <summary>One window's commits per second, the catch-ups completed in it (seconds each) and the share of it they took.</summary>
    internal sealed record Window(double PerSecond, IReadOnlyList<double> CatchUps, double CatchingUpShare, string? Failure)
    {
        /// <summary>The whole process's work in the window: every peer, learners included, shares its two cores and its collector.</summary>
        public GcCounters Gc { get; init; }

        public TimeSpan Elapsed { get; init; }

        /// <summary>Processor time, collector pauses and allocations over the window, in one line.</summary>
        public string Costs() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{Gc.Processor / Elapsed:F2} cores busy, {Gc.Processor.TotalMicroseconds / Math.Max(1, PerSecond * Elapsed.TotalSeconds):F0} µs per commit, " +
            $"GC paused {Gc.Paused / Elapsed:P1} ({Gc.Gen2} gen2), {Gc.AllocatedBytes / Elapsed.TotalSeconds / (1 << 20):F0} MiB/s allocated");
    }

    /// <summary>As <see cref="Measure"/>; a window that failed (the leadership moved, say) is run once more on a fresh cluster.</summary>
    public static async Task<Window> MeasureWithRetry(BenchOptions options, int proposers, bool learners)
    {
        var first = await Measure(options, proposers, learners);
        if (first.Failure is null) return first;
        Console.WriteLine($"  (a window {(learners ? "with" : "without")} learners failed: {first.Failure}; once more on a fresh cluster)");
        return await Measure(options, proposers, learners);
    }

    public static async Task<Window> Measure(BenchOptions options, int proposers, bool learners)
    {
        try
        {
            var (cluster, leader) = await CatchUpWorkload.StartCluster(options);
            await using var _ = cluster;
            var leaderRef = cluster.Peer(leader.PeerId);
            var pool = new Queue<(string Id, IActorRef Peer, string Address)>();
            for (var k = 1; learners && k <= Math.Max(2, (int)Math.Ceiling(options.Duration.TotalSeconds * LearnersPerSecond)); k++)
            {
                var (peer, address) = await CatchUpWorkload.StartLearner(cluster, $"l{k}", options.SnapshotBytes);
                pool.Enqueue(($"l{k}", peer, address));
            }
            cluster.Driver.Tell(new StartProposing(leaderRef, leader.PeerId, leader.Term, proposers));
            await WarmUp.UntilJitQuiet(options.Warmup, options.WarmupMax);
            cluster.Driver.Tell(BeginMeasurement.Instance);
            var window = Stopwatch.StartNew();
            var catchUps = new List<double>();
            var catchingUp = TimeSpan.Zero;
            while (learners && window.Elapsed < options.Duration && pool.TryDequeue(out var learner))
            {
                var asked = window.Elapsed;
                var changed = await CatchUpWorkload.Change(leaderRef, new AddLearner(learner.Id, learner.Address));
                var from = window.Elapsed;
                while ((await CatchUpWorkload.State(learner.Peer)).LastApplied < changed.Index && window.Elapsed < options.Duration) await Task.Delay(2);
                catchingUp += window.Elapsed - asked;
                if (window.Elapsed >= options.Duration) break; // cut off by the window's end: not a complete catch-up
                catchUps.Add((window.Elapsed - from).TotalSeconds);
                await CatchUpWorkload.Change(leaderRef, new RemoveMember(learner.Id));
            }
            var left = options.Duration - window.Elapsed;
            if (left > TimeSpan.Zero) await Task.Delay(left);
            var measurement = await cluster.Driver.Ask<Measurement>(EndMeasurement.Instance, TimeSpan.FromSeconds(30));
            var after = await CatchUpWorkload.State(leaderRef);
            var failure = measurement.Failure ?? (after.IsLeader && after.Term == leader.Term ? null : $"{leader.PeerId} lost leadership during the window (now {after.Role} at term {after.Term})");
            return new Window(measurement.Latency.PerSecond, catchUps, catchingUp / measurement.Elapsed, failure) { Gc = measurement.Gc, Elapsed = measurement.Elapsed };
        }
        catch (Exception e)
        {
            return new Window(0, [], 0, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
