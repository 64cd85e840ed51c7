using AkkaRaft.Actors.Messages;

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
            await Task.Delay(options.Warmup);
            cluster.Driver.Tell(BeginMeasurement.Instance);
            await Task.Delay(options.Duration);
            var measurement = await cluster.Driver.Ask<Measurement>(EndMeasurement.Instance, TimeSpan.FromSeconds(30));
            // The driver hears role changes only in its own ActorSystem (the memory mode); the term tells in every mode.
            var after = await server.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(15));
            if (!after.IsLeader || after.Term != leader.Term)
                measurement = measurement with { Failure = measurement.Failure ?? $"{leader.PeerId} lost leadership during the row (now {after.Role} at term {after.Term})" };
            return RunResult.From(SystemName, mode, proposers, measurement);
        }
        catch (Exception e)
        {
            return RunResult.Failed(SystemName, mode, proposers, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
