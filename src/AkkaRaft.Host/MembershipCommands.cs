using System.Diagnostics;
using System.Globalization;
using AkkaRaft.Actors;

namespace AkkaRaft.Host;

/// <summary>
/// `members`, `add`, `promote`, `remove`: the group's configuration, and one change to it at a time. A change goes to
/// the leader, found by asking any reachable node and following its hints; a refusal that may pass (another change
/// or a hand-over under way, or a new voter that has not caught up yet) is retried until the timeout.
/// </summary>
internal static class MembershipCommands
{
    /// <summary>How long each node may take to say what it knows of the group.</summary>
    private static readonly TimeSpan AskBound = TimeSpan.FromSeconds(2);

    /// <summary>Pause before asking again after a retryable refusal or while no leader is known.</summary>
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    public static async Task<int> Members(ClusterFile cluster)
    {
        using var system = ClientCommands.ClientSystem(cluster);
        try
        {
            var view = await ClusterView.Discover(system, cluster.Nodes, AskBound);
            if (view.Members is not { } members)
            {
                Console.Error.WriteLine($"no node of {cluster.Path} answered within {AskBound.TotalSeconds:0} s");
                return ClientCommands.NotCompleted;
            }
            foreach (var line in MembersTable(members)) Console.WriteLine(line);
            return 0;
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>The `members` output: a line on the configuration, a header, then one line per member.</summary>
    public static IEnumerable<string> MembersTable(Members members)
    {
        var leading = members.LeaderId == members.PeerId;
        yield return $"configuration of index {members.ConfigurationIndex} ({(members.Committed ? "committed" : "not committed yet")}), " +
                     $"leader {members.LeaderId ?? "unknown"}, as {members.PeerId} sees it" + (leading ? $" (last index {members.LastIndex})" : "; match and lag need the leader's answer");
        yield return $"{"id",-6} {"address",-22} {"role",-8} {"match",8} {"lag",8}";
        foreach (var m in members.List)
        {
            var address = ClusterView.FromMember(m.Id, m.Address) is { } node ? $"{node.Host}:{node.Port}" : m.Address;
            var match = m.MatchIndex is { } i ? i.ToString(CultureInfo.InvariantCulture) : "-";
            var lag = m.MatchIndex is { } j && leading ? Math.Max(0, members.LastIndex - j).ToString(CultureInfo.InvariantCulture) : "-";
            yield return $"{m.Id,-6} {address,-22} {(m.IsVoter ? "voter" : "learner"),-8} {match,8} {lag,8}";
        }
    }

    /// <summary>The address of the node listening on <paramref name="hostPort"/>, as its members reach it.</summary>
    /// <exception cref="HostError"><paramref name="hostPort"/> is not HOST:PORT.</exception>
    public static string AddressOf(string hostPort)
    {
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostPort.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new HostError($"'{hostPort}' is not HOST:PORT (for example 127.0.0.1:4057)");
        return new NodeAddress("", hostPort[..colon], port, null).ServerPath;
    }

    /// <summary>Checks a member id given on the command line.</summary>
    /// <exception cref="HostError">It is empty or looks like an option.</exception>
    public static string CheckId(string id) =>
        string.IsNullOrWhiteSpace(id) || id.StartsWith('-') || id.Any(char.IsWhiteSpace)
            ? throw new HostError($"'{id}' is not a node id (a non-empty word, such as n4)")
            : id;

    /// <summary>Sends <paramref name="request"/> to the leader until it is answered, refused for good, or <paramref name="timeout"/> passes.</summary>
    public static async Task<int> Change(ClusterFile cluster, object request, string id, TimeSpan timeout)
    {
        using var system = ClientCommands.ClientSystem(cluster);
        var clock = Stopwatch.StartNew();
        var uncertain = false; // an earlier attempt may have taken effect
        var last = "no leader found";
        NodeAddress? target = null;
        ClusterView? view = null;
        try
        {
            while (clock.Elapsed < timeout)
            {
                if (target is null)
                {
                    view = await ClusterView.Discover(system, cluster.Nodes, AskBound);
                    target = view.Node(view.Members?.LeaderId);
                    if (target is null)
                    {
                        last = view.Members is null ? $"no node of {cluster.Path} answered" : "no leader is known (an election may be under way)";
                        await Task.Delay(RetryPause);
                        continue;
                    }
                }
                object answer;
                try
                {
                    answer = await system.ActorSelection(target.ServerPath).Ask<object>(request, Remaining(clock, timeout));
                }
                catch (AskTimeoutException)
                {
                    (uncertain, target, last) = (true, null, "the leader did not answer");
                    continue;
                }
                switch (answer)
                {
                    case MembershipChanged changed:
                        Console.WriteLine($"{Done(request)} at index {changed.Index} (leader {changed.PeerId}): {changed.Members}");
                        return 0;
                    case MembershipChangeRefused { Retryable: true } refused:
                        last = refused.Message;
                        await Task.Delay(RetryPause);
                        break;
                    case MembershipChangeRefused { Reason: MembershipRefusalReason.NotCaughtUp } refused when request is AddVoter:
                        // It is a learner now, and a node that has just started (its journal opening) often answers
                        // too late for the first round; asking again catches it up from where it is.
                        last = refused.Message;
                        await Task.Delay(RetryPause);
                        break;
                    case MembershipChangeRefused { Reason: MembershipRefusalReason.LeadershipLost } refused:
                        (uncertain, target, last) = (true, null, refused.Message);
                        await Task.Delay(RetryPause);
                        break;
                    case MembershipChangeRefused refused:
                        if (uncertain && await AlreadyDone(system, cluster, request, id) is { } members)
                        {
                            Console.WriteLine($"{Done(request)} (by an earlier attempt): {members}");
                            return 0;
                        }
                        Console.Error.WriteLine($"{refused.PeerId} refused: {refused.Message}");
                        return ClientCommands.NotCompleted;
                    case NotLeader notLeader:
                        last = $"{notLeader.PeerId} no longer leads";
                        target = view?.Node(notLeader.LeaderId);
                        if (target is null) await Task.Delay(RetryPause);
                        break;
                    default:
                        last = $"unexpected answer {answer.GetType().Name}";
                        target = null;
                        break;
                }
            }
            Console.Error.WriteLine($"{Describe(request)} not done within {timeout.TotalSeconds:0.#} s{(uncertain ? " (it may still take effect: see `members`)" : "")}: {last}");
            return ClientCommands.NotCompleted;
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static TimeSpan Remaining(Stopwatch clock, TimeSpan timeout)
    {
        var left = timeout - clock.Elapsed;
        return left > TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100);
    }

    /// <summary>The configuration when <paramref name="request"/>'s outcome already holds in it, else null.</summary>
    private static async Task<Members?> AlreadyDone(ActorSystem system, ClusterFile cluster, object request, string id)
    {
        var members = (await ClusterView.Discover(system, cluster.Nodes, AskBound)).Members;
        if (members is null) return null;
        var holds = request switch
        {
            AddVoter or PromoteLearner => members.IsVoter(id),
            AddLearner => members.IsLearner(id) || members.IsVoter(id),
            RemoveMember => !members.IsVoter(id) && !members.IsLearner(id),
            _ => false,
        };
        return holds ? members : null;
    }

    private static string Describe(object request) => request switch
    {
        AddVoter m => $"adding {m.Id} as a voter",
        AddLearner m => $"adding {m.Id} as a learner",
        PromoteLearner m => $"promoting {m.Id}",
        RemoveMember m => $"removing {m.Id}",
        _ => request.GetType().Name,
    };

    private static string Done(object request) => request switch
    {
        AddVoter m => $"added {m.Id} as a voter",
        AddLearner m => $"added {m.Id} as a learner",
        PromoteLearner m => $"promoted {m.Id} to voter",
        RemoveMember m => $"removed {m.Id}",
        _ => request.GetType().Name,
    };
}
