using AkkaRaft.Actors;

namespace AkkaRaft.Host;

/// <summary>
/// What a client learns of the group by asking: the members of the latest configuration any reachable node knows (the
/// leader's answer when it can reach the leader, with each member's match index), and every place worth asking, the
/// cluster file's nodes and the members it learned of. The cluster file is only where to start: members added later
/// are found through the answers.
/// </summary>
/// <param name="Members">The best answer: the leader's, else the one of the latest configuration; null when no node answered.</param>
/// <param name="Nodes">The cluster file's nodes, then members it does not list; a member's address wins over the file's.</param>
internal sealed record ClusterView(Members? Members, IReadOnlyList<NodeAddress> Nodes)
{
    /// <summary>The node of <paramref name="id"/>, if known.</summary>
    public NodeAddress? Node(string? id) => id is null ? null : Nodes.FirstOrDefault(n => n.Id == id);

    /// <summary>True when the answer came from a leader (it alone reports match indexes).</summary>
    public bool FromLeader => Members is { } m && m.LeaderId == m.PeerId;

    /// <summary>
    /// Asks every node in <paramref name="places"/> for its members at once, until the leader answers or all did, then
    /// the leader they name (when it did not answer already), each bounded by <paramref name="timeout"/>.
    /// </summary>
    public static async Task<ClusterView> Discover(ActorSystem system, IReadOnlyList<NodeAddress> places, TimeSpan timeout)
    {
        // The leader's answer is the one wanted: stop waiting for the others once it came (a node that is down costs
        // a whole timeout).
        var asking = places.Select(node => Ask(system, node, timeout)).ToList();
        var answers = new List<Members>();
        while (asking.Count > 0)
        {
            var done = await Task.WhenAny(asking);
            asking.Remove(done);
            if (await done is not { } answer) continue;
            answers.Add(answer);
            if (answer.LeaderId == answer.PeerId) break;
        }
        var best = Best(answers);
        var nodes = Merge(places, best);
        if (best is { LeaderId: { } leader } && best.PeerId != leader && answers.All(a => a.PeerId != leader)
            && nodes.FirstOrDefault(n => n.Id == leader) is { } leaderNode && await Ask(system, leaderNode, timeout) is { } fromLeader)
        {
            answers.Add(fromLeader);
            best = Best(answers);
            nodes = Merge(nodes, best);
        }
        return new ClusterView(best, nodes);
    }

    /// <summary>
    /// The key-value servers a client of <paramref name="cluster"/> should know: the file's nodes and the members the
    /// group reports (so it can follow a leader hint to a node added later), or the file's alone when no node answers.
    /// </summary>
    public static async Task<RaftPeers> Servers(ActorSystem system, ClusterFile cluster)
    {
        var view = await Discover(system, cluster.Nodes, TimeSpan.FromSeconds(2));
        return RaftPeers.FromPaths(view.Nodes.ToDictionary(n => n.Id, n => ActorPath.Parse(n.ServerPath)));
    }

    /// <summary>The leader's own answer of the newest configuration, else the newest configuration's (committed first).</summary>
    private static Members? Best(IEnumerable<Members> answers) => answers
        .OrderByDescending(a => a.ConfigurationIndex)
        .ThenByDescending(a => a.LeaderId == a.PeerId)
        .ThenByDescending(a => a.Committed)
        .FirstOrDefault();

    private static async Task<Members?> Ask(ActorSystem system, NodeAddress node, TimeSpan timeout)
    {
        try
        {
            return await system.ActorSelection(node.ServerPath).Ask<Members>(GetMembers.Instance, timeout);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    private static IReadOnlyList<NodeAddress> Merge(IReadOnlyList<NodeAddress> places, Members? members)
    {
        var learned = (members?.List ?? []).Select(m => FromMember(m.Id, m.Address)).OfType<NodeAddress>().ToDictionary(n => n.Id, StringComparer.Ordinal);
        return places.Select(p => learned.GetValueOrDefault(p.Id) ?? p)
            .Concat(learned.Values.Where(n => places.All(p => p.Id != n.Id)))
            .ToArray();
    }

    /// <summary>
    /// The node a member's address (its peer's actor path) names: every node of the Host listens under the system
    /// name <see cref="ClusterFile.SystemName"/> and serves at <c>/user/kv</c>, so host and port are all it takes.
    /// </summary>
    public static NodeAddress? FromMember(string id, string address) =>
        ActorPath.TryParse(address, out var path) && path.Address is { Host: { } host, Port: { } port }
            ? new NodeAddress(id, host, port, null)
            : null;
}
