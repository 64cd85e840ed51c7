using System.Diagnostics;
using AkkaRaft.Actors;

namespace AkkaRaft.Host;

/// <summary>`transfer`: hands leadership to a chosen node (or the most up-to-date one) and waits until it leads.</summary>
internal static class TransferCommand
{
    public static async Task<int> Run(ClusterFile cluster, string? to, TimeSpan timeout)
    {
        if (to is not null && cluster.Nodes.All(n => n.Id != to))
            throw new HostError($"--to {to}: {cluster.Path} has no node of that id (nodes: {string.Join(", ", cluster.Nodes.Select(n => n.Id))})");
        using var system = ClientCommands.ClientSystem(cluster);
        try
        {
            var states = await ClientCommands.QueryStates(system, cluster.Nodes, TimeSpan.FromSeconds(3));
            var leader = states.Where(s => s.State?.IsLeader == true).OrderByDescending(s => s.State!.Term).Select(s => (s.Node, s.State!)).FirstOrDefault();
            if (leader.Node is null)
            {
                Console.Error.WriteLine($"no node of {cluster.Path} leads now (an election may be under way): try again");
                return ClientCommands.NotCompleted;
            }
            if (leader.Node.Id == to)
            {
                Console.WriteLine($"{to} already leads at term {leader.Item2.Term}");
                return 0;
            }
            var asked = Stopwatch.StartNew();
            var answer = await system.ActorSelection(leader.Node.ServerPath).Ask<object>(new TransferLeadership(to), TimeSpan.FromSeconds(3));
            switch (answer)
            {
                case TransferLeadershipRefused refused:
                    Console.Error.WriteLine($"{refused.PeerId} refused: {refused.Reason}");
                    return ClientCommands.NotCompleted;
                case NotLeader:
                    Console.Error.WriteLine($"{leader.Node.Id} no longer leads: try again");
                    return ClientCommands.NotCompleted;
            }
            var target = ((TransferLeadershipStarted)answer).Target;
            var node = cluster.Node(target);
            while (asked.Elapsed < timeout)
            {
                var state = (await ClientCommands.QueryStates(system, [node], TimeSpan.FromSeconds(1)))[0].State;
                if (state is { IsLeader: true } && state.Term > leader.Item2.Term)
                {
                    Console.WriteLine($"{target} leads at term {state.Term}, {asked.ElapsedMilliseconds} ms after {leader.Node.Id} was asked");
                    return 0;
                }
                await Task.Delay(20);
            }
            Console.Error.WriteLine($"{target} did not become leader within {timeout.TotalSeconds:0.#} s (the attempt is abandoned after an election timeout); see `status`");
            return ClientCommands.NotCompleted;
        }
        catch (AskTimeoutException)
        {
            Console.Error.WriteLine("the leader did not answer within 3 s: try again");
            return ClientCommands.NotCompleted;
        }
        finally
        {
            await system.Terminate();
        }
    }
}
