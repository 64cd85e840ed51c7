using System.Diagnostics;
using AkkaRaft.Actors;

namespace AkkaRaft.TestKit;

// Growing and shrinking the group of key-value servers: servers beyond the initial members start empty (join = on),
// every server reaches a member it was not given a route for through the simulated network, and changes go to the
// leader's Raft peer with retries.
public sealed partial class KvCluster
{
    /// <summary>How many servers formed the initial group (servers 0..InitialMembers-1); the rest started waiting to be added.</summary>
    public int InitialMembers { get; }

    /// <summary>The address server <paramref name="i"/> is added under; the servers reach it through the network whatever its incarnation.</summary>
    public string AddressOf(int i) => $"akka://{_system.Name}/user/{Settings.ClusterId}-{Id(i)}/raft";

    private RaftSettings ServerSettings(int i) =>
        i < InitialMembers ? Settings.WithPeerId(Id(i)) : Settings.WithMembership(join: true).WithPeerId(Id(i));

    /// <summary>An initial member gets its fellow initial members; anyone else, and everyone for a joining server, is resolved to its link.</summary>
    private RaftPeers ServerPeers(int i)
    {
        var listed = i < InitialMembers ? InitialMembers : 0;
        var routes = Enumerable.Range(0, listed).Where(j => j != i).ToDictionary(Id, j => _serverLinks[i][j]);
        return RaftPeers.FromRefs(routes).WithResolver((id, _) =>
            id.Length > 1 && id[0] == 'n' && int.TryParse(id.AsSpan(1), out var k) && k >= 1 && k <= N && k - 1 != i ? _serverLinks[i][k - 1] : null);
    }

    /// <summary>Server <paramref name="i"/>'s latest configuration; null when it is down or does not answer within 3 s.</summary>
    public async Task<Members?> GetMembers(int i)
    {
        if (_servers[i] is not { } server) return null;
        try { return await _system.ActorSelection(server.Path / "raft").Ask<Members>(AkkaRaft.Actors.GetMembers.Instance, TimeSpan.FromSeconds(3)); }
        catch (AskTimeoutException) { return null; }
    }

    /// <summary>
    /// Sends <paramref name="request"/> (<see cref="AddLearner"/>, <see cref="AddVoter"/>, <see cref="PromoteLearner"/>,
    /// <see cref="RemoveMember"/>) to the Raft peer of the server that leads the highest term, retrying on
    /// <see cref="NotLeader"/>, retryable refusals and unanswered attempts, and returns the final answer: a
    /// <see cref="MembershipChanged"/> or a refusal that is not retryable; null when none came within <paramref name="within"/> (default 20 s).
    /// </summary>
    public async Task<object?> ChangeMembership(object request, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(20);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            var states = await Task.WhenAll(Enumerable.Range(0, N).Select(GetState));
            var leader = states.Where(s => s is { IsLeader: true }).OrderByDescending(s => s!.Term).FirstOrDefault();
            if (leader is not null && _servers[int.Parse(leader.PeerId.AsSpan(1)) - 1] is { } server)
            {
                try
                {
                    var left = limit - clock.Elapsed;
                    var answer = await _system.ActorSelection(server.Path / "raft").Ask<object>(request, left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
                    if (answer is MembershipChanged or MembershipChangeRefused { Retryable: false }) return answer;
                }
                catch (AskTimeoutException) { }
            }
            await Task.Delay(50);
        }
        return null;
    }
}
