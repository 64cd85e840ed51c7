using System.Net;
using System.Net.Sockets;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace AkkaRaft.Bench;

/// <summary>
/// The comparison: three dotNext <see cref="RaftCluster"/> nodes (package DotNext.Net.Cluster) in this process, over
/// its TCP transport on loopback, each with a <see cref="WriteAheadLog"/> in a directory of its own under a new folder
/// of <c>root</c> (removed on dispose) and a no-op state machine. Everything is dotNext's default but two settings:
/// the static three-member configuration (instead of a cold start and announcements), and the WAL's chunk size,
/// 1 MiB instead of one memory page. Its consensus-only log is not used because it rejects entries with a payload.
/// </summary>
internal sealed class DotNextCluster : IAsyncDisposable
{
    /// <summary>Size of each WAL chunk file. The default, one memory page, makes a new file every few dozen entries.</summary>
    public const int ChunkSize = 1 << 20;

    private readonly RaftCluster[] _nodes;
    private readonly WriteAheadLog[] _logs;
    private readonly bool[] _killed;
    private readonly string _directory;

    private DotNextCluster(RaftCluster[] nodes, WriteAheadLog[] logs, string directory)
    {
        _nodes = nodes;
        _logs = logs;
        _killed = new bool[nodes.Length];
        _directory = directory;
    }

    /// <summary>Where the logs are.</summary>
    public string Directory => _directory;

    /// <summary>Starts three nodes with their logs under a new directory in <paramref name="root"/>.</summary>
    public static async Task<DotNextCluster> Start(string root)
    {
        var directory = Path.Combine(root, $"dotnext-bench-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        var endpoints = Enumerable.Range(0, 3).Select(_ => new IPEndPoint(IPAddress.Loopback, FreePort())).ToArray();
        var nodes = new RaftCluster[endpoints.Length];
        var logs = new WriteAheadLog[endpoints.Length];
        for (var i = 0; i < endpoints.Length; i++)
        {
            var configuration = new RaftCluster.TcpConfiguration(endpoints[i])
            {
                ColdStart = false,
                ConfigurationStorage = null, // the in-memory storage, given the members below
            };
            var members = ((InMemoryClusterConfigurationStorage<EndPoint>)configuration.ConfigurationStorage!).CreateInitialConfigurationBuilder();
            foreach (var endpoint in endpoints) members.Add(endpoint);
            members.Build();
            logs[i] = new WriteAheadLog(new WriteAheadLog.Options { Location = Path.Combine(directory, $"n{i + 1}"), ChunkSize = ChunkSize }, IStateMachine.CreateNoOp());
            nodes[i] = new RaftCluster(configuration) { AuditTrail = logs[i] };
        }
        var cluster = new DotNextCluster(nodes, logs, directory);
        try
        {
            await Task.WhenAll(nodes.Select(n => n.StartAsync(CancellationToken.None)));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>The nodes not killed.</summary>
    public IEnumerable<RaftCluster> LiveNodes => _nodes.Where((_, i) => !_killed[i]);

    /// <summary>Polls the live nodes until one holds the leadership.</summary>
    public async Task<RaftCluster> WaitForLeader(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (LiveNodes.FirstOrDefault(IsLeader) is { } leader) return leader;
            await Task.Delay(5);
        }
        throw new TimeoutException($"dotNext: no leader within {within.TotalSeconds} s");
    }

    /// <summary>True while <paramref name="node"/> believes it leads (its leadership token is not cancelled).</summary>
    public static bool IsLeader(RaftCluster node) => !node.LeadershipToken.IsCancellationRequested;

    /// <summary>Kills <paramref name="node"/> as a crash would: disposed without a graceful stop. Returns the disposal.</summary>
    public Task Kill(RaftCluster node)
    {
        var i = Array.IndexOf(_nodes, node);
        _killed[i] = true;
        return node.DisposeAsync().AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _nodes.Length; i++)
        {
            if (_killed[i]) continue;
            try
            {
                await _nodes[i].StopAsync(CancellationToken.None);
            }
            catch (Exception)
            {
                // already failed or stopped: disposal below releases what is left
            }
            await _nodes[i].DisposeAsync();
        }
        foreach (var log in _logs) await log.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a file still mapped by a log being torn down: leave it, it is under a temporary folder
        }
    }

    /// <summary>A loopback TCP port free a moment ago (the OS picks it), for a node that must know every address before any starts.</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
