using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Host;

/// <summary>`put`, `append`, `get`, `status`: one-shot clients that start from the cluster file's nodes and learn the current members from them.</summary>
internal static class ClientCommands
{
    /// <summary>Exit code when the operation did not complete (unknown outcome or no answer).</summary>
    public const int NotCompleted = 1;

    /// <summary>An ActorSystem on Akka.Remote for clients of <paramref name="cluster"/>, logging nothing.</summary>
    public static ActorSystem ClientSystem(ClusterFile cluster)
    {
        var host = cluster.Config.GetString("akkaraft.client-host", "127.0.0.1");
        // A one-shot client prints its own outcome; remoting chatter about a node that is down would only garble it.
        return ActorSystem.Create($"{ClusterFile.SystemName}-client", cluster.RemoteConfig(host, 0, null, "OFF"));
    }

    public static async Task<int> Operation(ClusterFile cluster, KvOperation operation, string key, string? value, TimeSpan timeout)
    {
        using var system = ClientSystem(cluster);
        try
        {
            var servers = await ClusterView.Servers(system, cluster);
            var client = new KvClient(system, servers, new KvClientOptions { OperationTimeout = timeout });
            var result = operation switch
            {
                KvOperation.Put => await client.PutAsync(key, value!),
                KvOperation.Append => await client.AppendAsync(key, value!),
                _ => await client.GetAsync(key),
            };
            if (!result.IsOk)
            {
                Console.Error.WriteLine(result.Outcome switch
                {
                    KvOutcome.SessionExpired => "the client session expired (the cluster evicted it for newer ones): the outcome is unknown (the write may or may not have been applied)",
                    _ when operation == KvOperation.Get => $"timed out after {timeout.TotalSeconds:0.#} s: no server answered the read (is a majority of {cluster.Path} running?)",
                    _ => $"timed out after {timeout.TotalSeconds:0.#} s: the outcome is unknown (the write may or may not have been applied)",
                });
                return NotCompleted;
            }
            if (operation == KvOperation.Get)
            {
                if (result.Value is null) Console.Error.WriteLine($"'{key}' has no value");
                else Console.WriteLine(result.Value);
            }
            else
            {
                Console.WriteLine("ok");
            }
            return 0;
        }
        finally
        {
            await system.Terminate();
        }
    }

    public static async Task<int> Status(ClusterFile cluster)
    {
        using var system = ClientSystem(cluster);
        try
        {
            var states = await Survey(system, cluster.Nodes, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3));
            foreach (var line in StatusTable(states)) Console.WriteLine(line);
            return states.Any(s => s.State is not null) ? 0 : NotCompleted;
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>
    /// The state of every node worth asking: <paramref name="places"/> and the members the group reports (nodes added
    /// later, and those removed, are shown too), each asked within <paramref name="askBound"/>; a node the latest
    /// configuration does not list is marked as not a member.
    /// </summary>
    public static async Task<(NodeAddress Node, RaftState? State)[]> Survey(ActorSystem system, IReadOnlyList<NodeAddress> places, TimeSpan discoverBound, TimeSpan askBound)
    {
        var view = await ClusterView.Discover(system, places, discoverBound);
        var states = await QueryStates(system, view.Nodes, askBound);
        // A removed node is often not told (its leader stops replicating to it): the group's answer says it too.
        var members = view.Members?.List.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        return states.Select(s => (s.Node, s.State is { } state && members is not null && !members.Contains(s.Node.Id) ? state with { IsMember = false } : s.State)).ToArray();
    }

    /// <summary>Each node's <see cref="RaftState"/>, asked for at once; null for a node that did not answer in <paramref name="timeout"/>.</summary>
    public static async Task<(NodeAddress Node, RaftState? State)[]> QueryStates(ActorSystem system, IEnumerable<NodeAddress> nodes, TimeSpan timeout) =>
        await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                return (node, (RaftState?)await system.ActorSelection(node.ServerPath).Ask<RaftState>(GetState.Instance, timeout));
            }
            catch (AskTimeoutException)
            {
                return (node, (RaftState?)null);
            }
        }));

    /// <summary>
    /// On a leader's line, how long ago it heard from each follower ("n2 12 ms, n3 never"); on a node its latest
    /// configuration does not list, that it is not a member; "-" on the others.
    /// </summary>
    private static string Heard(RaftState state) => !state.IsMember
        ? "not a member (removed, or not added yet)"
        : state.Followers is { } followers
        ? string.Join(", ", followers.Select(f => $"{f.PeerId} {(f.SinceHeard is { } since ? $"{since.TotalMilliseconds:0} ms" : "never")}"))
        : "-";

    /// <summary>The `status` table: a header, then one line per node.</summary>
    public static IEnumerable<string> StatusTable(IEnumerable<(NodeAddress Node, RaftState? State)> states)
    {
        yield return $"{"node",-6} {"address",-22} {"role",-13} {"term",6} {"leader",-7} {"commit",8} {"applied",8}  heard from";
        foreach (var (node, state) in states)
        {
            var address = $"{node.Host}:{node.Port}";
            yield return state is null
                ? $"{node.Id,-6} {address,-22} unreachable"
                : $"{node.Id,-6} {address,-22} {NodeRow.RoleName(state.Role),-13} {state.Term,6} {state.LeaderId ?? "-",-7} {state.CommitIndex,8} {state.LastApplied,8}  {Heard(state)}";
        }
    }
}
