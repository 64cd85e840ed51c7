using System.Diagnostics;
using Akka;
using AkkaRaft.Actors;

namespace AkkaRaft.Host;

/// <summary>
/// On a graceful stop, a node that leads hands leadership to the most up-to-date other node and waits until it no
/// longer leads (Raft thesis §3.10), so that a rolling restart costs clients a hand-over, not an election timeout.
/// Once it knows the new leader it stays up for <c>linger</c>: a client that still comes to it is told where the
/// leader is, where a stopped node would leave it waiting for its attempt to time out.
/// </summary>
internal static class LeadershipHandover
{
    public static async Task<Done> Run(IActorRef server, string id, TimeSpan within, TimeSpan linger)
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
                if (state is { IsLeader: false, LeaderId: { } successor } && successor != id)
                {
                    Console.WriteLine($"{id} handed leadership to {successor} in {clock.ElapsedMilliseconds} ms; it redirects clients for {(long)linger.TotalMilliseconds} ms before stopping");
                    await Task.Delay(linger);
                    return Done.Instance;
                }
                await Task.Delay(10);
            }
            Console.WriteLine($"{id} saw no new leader within {(long)within.TotalMilliseconds} ms; stopping anyway");
        }
        catch (AskTimeoutException)
        {
            Console.WriteLine($"{id}'s peer did not answer while handing over leadership; stopping anyway");
        }
        return Done.Instance;
    }
}
