using System.Diagnostics;
using Akka;
using AkkaRaft.Actors;

namespace AkkaRaft.Host;

/// <summary>
/// On a graceful stop, a node that leads hands leadership to the most up-to-date other node and waits until it no
/// longer leads (Raft thesis §3.10), so that a rolling restart costs clients a hand-over, not an election timeout.
/// </summary>
internal static class LeadershipHandover
{
    public static async Task<Done> Run(IActorRef server, string id, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var state = await server.Ask<RaftState>(GetState.Instance, within);
            if (!state.IsLeader) return Done.Instance;
            var answer = await server.Ask<object>(new TransferLeadership(), within);
            if (answer is not TransferLeadershipStarted started)
            {
                Console.WriteLine($"{id} stops without handing over leadership: {answer}");
                return Done.Instance;
            }
            while (clock.Elapsed < within)
            {
                state = await server.Ask<RaftState>(GetState.Instance, within);
                if (!state.IsLeader)
                {
                    Console.WriteLine($"{id} handed leadership to {started.Target} in {clock.ElapsedMilliseconds} ms before stopping");
                    return Done.Instance;
                }
                await Task.Delay(10);
            }
            Console.WriteLine($"{id} still led after {(long)within.TotalMilliseconds} ms; stopping anyway");
        }
        catch (AskTimeoutException)
        {
            Console.WriteLine($"{id}'s peer did not answer while handing over leadership; stopping anyway");
        }
        return Done.Instance;
    }
}
