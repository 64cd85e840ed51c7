using DotNext.Net.Cluster.Consensus.Raft;

namespace AkkaRaft.Bench;

/// <summary>
/// One dotNext throughput row, the same workload as <see cref="AkkaRaftThroughput"/>: a fresh <see cref="DotNextCluster"/>
/// elects a leader; a <see cref="DotNextDriver"/> keeps the proposers' commands outstanding at the leader through the
/// warm-up and the measured window. A leadership change during the row fails it.
/// </summary>
internal static class DotNextThroughput
{
    public const string SystemName = "dotnext";

    /// <summary>Runs one row with the logs under <paramref name="root"/> (a disk directory, or /dev/shm).</summary>
    public static async Task<RunResult> Run(string mode, string root, int proposers, BenchOptions options)
    {
        try
        {
            await using var cluster = await DotNextCluster.Start(root);
            var leader = await cluster.WaitForLeader(TimeSpan.FromSeconds(15));
            var term = leader.Term;
            var measurement = await new DotNextDriver(leader, options.CommandBytes).Measure(proposers, options.Warmup, options.WarmupMax, options.Duration);
            if (!DotNextCluster.IsLeader(leader) || leader.Term != term)
                measurement = measurement with { Failure = measurement.Failure ?? $"the leader lost leadership during the row (term {term}, now {leader.Term})" };
            return RunResult.From(SystemName, mode, proposers, measurement);
        }
        catch (Exception e)
        {
            return RunResult.Failed(SystemName, mode, proposers, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
