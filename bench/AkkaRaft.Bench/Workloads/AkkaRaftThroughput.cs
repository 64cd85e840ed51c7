using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Bench;

/// <summary>
/// One AkkaRaft throughput row: a fresh three-peer cluster in the given mode elects a leader; one
/// <see cref="ProposerDriver"/> keeps the proposers' commands outstanding at the leader through the warm-up and the
/// measured window. A leadership change anywhere in the row fails it: its numbers would be about an election.
/// </summary>
internal static class AkkaRaftThroughput
{
    public const string SystemName = "akkaraft";

    public static async Task<RunResult> Run(string mode, int proposers, BenchOptions options)
    {
        try
        {
            await using var cluster = BenchCluster.Start(mode, system =>
                system.ActorOf(Props.Create(() => new ProposerDriver(options.CommandBytes)), "proposers"));
            var leader = await cluster.WaitForLeader(TimeSpan.FromSeconds(15));
            var server = cluster.Peer(leader.PeerId);
            cluster.Driver.Tell(new StartProposing(server, leader.PeerId, leader.Term, proposers));
            var (measurement, _) = await cluster.MeasureRow(leader, options.Warmup, options.WarmupMax, options.Duration);
            return RunResult.From(SystemName, mode, proposers, measurement);
        }
        catch (Exception e)
        {
            return RunResult.Failed(SystemName, mode, proposers, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
