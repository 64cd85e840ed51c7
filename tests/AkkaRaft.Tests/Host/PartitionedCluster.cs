using AkkaRaft.Actors;
using AkkaRaft.Host;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// A <see cref="HostCluster"/> whose nodes each listen on an address of their own, with a <see cref="LoopbackNetwork"/>
/// that cuts the links between them and a <see cref="StatusTimeline"/> of what every node reports. The test's clients
/// stay on 127.0.0.1 and reach every node whatever is cut. Disposing it stops the nodes, then removes every rule and
/// cgroup of the run.
/// </summary>
internal sealed class PartitionedCluster : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;

    private PartitionedCluster(ITestOutputHelper output, HostCluster nodes, LoopbackNetwork network)
    {
        _output = output;
        Nodes = nodes;
        Network = network;
        Timeline = StatusTimeline.Start(nodes);
    }

    /// <summary>The Host processes and the client ActorSystem.</summary>
    public HostCluster Nodes { get; }

    /// <summary>The addresses, cgroups and rules of this run.</summary>
    public LoopbackNetwork Network { get; }

    /// <summary>Every node's role, term and leader, asked every 100 ms since the cluster started.</summary>
    public StatusTimeline Timeline { get; }

    /// <summary>Reports the test Skipped, with the reason, when this machine cannot cut links between processes.</summary>
    public static void SkipUnlessAvailable()
    {
        var reason = LoopbackNetwork.Unavailable();
        Skip.If(reason is not null, reason);
    }

    /// <summary>
    /// Starts the nodes of <paramref name="shippedFile"/>, each on its own address and in its own cgroup, with
    /// <paramref name="overrides"/> (HOCON) on top of the file.
    /// </summary>
    public static async Task<PartitionedCluster> Start(ITestOutputHelper output, string shippedFile = "cluster-3.hocon", string overrides = "")
    {
        var ids = ClusterFile.Load(Path.Combine(AppContext.BaseDirectory, "hocon", shippedFile)).Nodes.Select(n => n.Id).ToArray();
        var network = LoopbackNetwork.Create(ids);
        output.WriteLine($"network {network.Tag}: {string.Join(", ", ids.Select(id => $"{id} at {network.Host(id)}"))}, cgroups under {network.CgroupDirectory}");
        try
        {
            return new PartitionedCluster(output, await HostCluster.Start(output, shippedFile, overrides, network), network);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts <paramref name="clients"/> key-value clients on 127.0.0.1, waits until ten of their writes have been
    /// acknowledged, then until every node names the same leader: the cluster is serving, and a cut can begin. Returns
    /// the running clients and the leader's view.
    /// </summary>
    public async Task<(KvWorkload Workload, RaftState Leader)> StartWorkload(int clients, TimeSpan within)
    {
        var workload = KvWorkload.Start(Nodes, clients);
        await workload.WaitForWrites(10, 0, within, "acknowledged before the cut");
        return (workload, await Nodes.AgreedLeader(within));
    }

    /// <summary>Cuts both directions between <paramref name="id"/> and every other node, in one transaction.</summary>
    public void Isolate(string id)
    {
        var others = Nodes.Ids.Where(n => n != id).ToArray();
        Network.Partition([id], others);
        _output.WriteLine($"{Timeline.Now.TotalSeconds:F2} s: cut {id} from {string.Join(", ", others)} both ways");
    }

    /// <summary>Stops packets from <paramref name="from"/> reaching <paramref name="to"/>; the other direction stays.</summary>
    public void CutOneWay(string from, string to)
    {
        Network.Cut([(from, to)]);
        _output.WriteLine($"{Timeline.Now.TotalSeconds:F2} s: cut {from} -> {to} (one way)");
    }

    /// <summary>Removes every cut, in one transaction.</summary>
    public void Heal()
    {
        Network.Heal();
        _output.WriteLine($"{Timeline.Now.TotalSeconds:F2} s: healed");
    }

    /// <summary>Whether a TCP connection from <paramref name="from"/>'s address reaches <paramref name="to"/>'s Akka.Remote port within 1 s.</summary>
    public Task<bool> Reaches(string from, string to) => Network.Reaches(from, to, Nodes.Address(to).Port, TimeSpan.FromSeconds(1));

    /// <summary>Every node's changes of role, term and leader, for the test's output.</summary>
    public string DescribeTimeline() => string.Join("\n", Nodes.Ids.Select(id => Timeline.Changes(id)));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Timeline.DisposeAsync();
            await Nodes.DisposeAsync();
        }
        finally
        {
            Network.Dispose();
        }
    }
}
