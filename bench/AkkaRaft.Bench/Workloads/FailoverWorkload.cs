using System.Buffers.Binary;
using System.Diagnostics;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using DotNext.Net.Cluster.Consensus.Raft;

namespace AkkaRaft.Bench;

/// <summary>
/// How long a cluster is unavailable when its leader dies, with every setting at its default. Each trial starts a
/// fresh three-node cluster in its deployment mode (AkkaRaft: three ActorSystems over Akka.Remote with SQLite;
/// dotNext: TCP with its WAL on disk), elects a leader, commits one command at a time with a 10 ms pause between
/// them (light load) for a while, then kills the leader: its ActorSystem is terminated, or its dotNext node disposed,
/// as a crash would. The failover time runs from the kill to the first commit, on a survivor, of a command proposed
/// after it. The client tries the survivors only (it knows which node it killed; a real client would also have to
/// find that out) and asks again 1 ms after every refusal, so the time is the protocol's, not a client's back-off.
/// </summary>
internal static class FailoverWorkload
{
    public const string AkkaRaftMode = "remote";
    public const string DotNextMode = "disk";

    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="trials"/> trials of each system, alternating; <paramref name="load"/> is the light load before each kill.</summary>
    public static async Task<FailoverResult[]> Run(int trials, TimeSpan load, string diskRoot, Action<string> progress)
    {
        var akka = new List<double>();
        var dotnext = new List<double>();
        string? akkaFailure = null, dotnextFailure = null;
        for (var i = 0; i < trials; i++)
        {
            if (akkaFailure is null)
            {
                try
                {
                    akka.Add(await AkkaRaftTrial(load));
                }
                catch (Exception e)
                {
                    akkaFailure = $"trial {i + 1}: {e.GetType().Name}: {e.Message}";
                }
            }
            if (dotnextFailure is null)
            {
                try
                {
                    dotnext.Add(await DotNextTrial(load, diskRoot));
                }
                catch (Exception e)
                {
                    dotnextFailure = $"trial {i + 1}: {e.GetType().Name}: {e.Message}";
                }
            }
            progress(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"    trial {i + 1}/{trials}: akkaraft {(akka.Count > i ? $"{akka[i]:F0} ms" : "failed")}, dotnext {(dotnext.Count > i ? $"{dotnext[i]:F0} ms" : "failed")}"));
        }
        return
        [
            new FailoverResult(AkkaRaftThroughput.SystemName, AkkaRaftMode, akka, akkaFailure),
            new FailoverResult(DotNextThroughput.SystemName, DotNextMode, dotnext, dotnextFailure),
        ];
    }

    private static async Task<double> AkkaRaftTrial(TimeSpan load)
    {
        var commits = new CommitTracker();
        // Killing a peer makes the survivors' remoting log the lost association, with stack traces, every trial.
        await using var cluster = BenchCluster.Start("remote", system => system.ActorOf(Props.Create(() => new AppliedSink(commits))),
            "akka.loglevel = OFF\nakka.stdout-loglevel = OFF");
        var leader = await cluster.WaitForLeader(TimeSpan.FromSeconds(15));
        var sequence = 0L;

        async Task<bool> TryCommit(string id, Action<string?> leaderHint)
        {
            object reply;
            try
            {
                reply = await cluster.Peer(id).Ask<object>(new Propose(Command(++sequence)), TimeSpan.FromMilliseconds(500));
            }
            catch (AskTimeoutException)
            {
                return false;
            }
            switch (reply)
            {
                case ProposeAccepted accepted:
                    var applied = commits.WhenApplied(id, accepted.Index);
                    return await Task.WhenAny(applied, Task.Delay(TimeSpan.FromSeconds(2))) == applied && applied.Result == accepted.Term;
                case NotLeader notLeader:
                    leaderHint(notLeader.LeaderId);
                    return false;
                default:
                    return false;
            }
        }

        for (var until = Stopwatch.GetTimestamp() + (long)(load.TotalSeconds * Stopwatch.Frequency); Stopwatch.GetTimestamp() < until; await Task.Delay(Pause))
        {
            if (!await TryCommit(leader.PeerId, _ => { }))
                throw new InvalidOperationException($"a command through {leader.PeerId} did not commit before the kill");
        }

        var killedAt = Stopwatch.GetTimestamp();
        var killing = cluster.Kill(leader.PeerId);
        string? hint = null;
        try
        {
            while (Stopwatch.GetElapsedTime(killedAt) < GiveUp)
            {
                var survivors = cluster.LivePeers.Where(id => id != leader.PeerId).OrderBy(id => id == hint ? 0 : 1).ToArray();
                foreach (var id in survivors)
                {
                    if (await TryCommit(id, h => hint = h)) return Stopwatch.GetElapsedTime(killedAt).TotalMilliseconds;
                }
                await Task.Delay(1);
            }
            throw new TimeoutException($"no command committed within {GiveUp.TotalSeconds} s of killing {leader.PeerId}");
        }
        finally
        {
            await killing;
        }
    }

    private static async Task<double> DotNextTrial(TimeSpan load, string diskRoot)
    {
        await using var cluster = await DotNextCluster.Start(diskRoot);
        var leader = await cluster.WaitForLeader(TimeSpan.FromSeconds(15));
        var sequence = 0L;

        async Task<bool> TryCommit(RaftCluster node)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await node.ReplicateAsync(new BinaryLogEntry { Content = Command(++sequence), Term = node.Term }, timeout.Token);
                return true;
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
            {
                return false; // not (or no longer) the leader, or no commit in time
            }
        }

        for (var until = Stopwatch.GetTimestamp() + (long)(load.TotalSeconds * Stopwatch.Frequency); Stopwatch.GetTimestamp() < until; await Task.Delay(Pause))
        {
            if (!await TryCommit(leader)) throw new InvalidOperationException("a command through the leader did not commit before the kill");
        }

        var killedAt = Stopwatch.GetTimestamp();
        var killing = cluster.Kill(leader);
        try
        {
            while (Stopwatch.GetElapsedTime(killedAt) < GiveUp)
            {
                foreach (var node in cluster.LiveNodes)
                {
                    if (DotNextCluster.IsLeader(node) && await TryCommit(node)) return Stopwatch.GetElapsedTime(killedAt).TotalMilliseconds;
                }
                await Task.Delay(1);
            }
            throw new TimeoutException($"no command committed within {GiveUp.TotalSeconds} s of killing the leader");
        }
        finally
        {
            await killing;
        }
    }

    private static byte[] Command(long sequence)
    {
        var command = new byte[64];
        BinaryPrimitives.WriteInt64LittleEndian(command, sequence);
        return command;
    }

    /// <summary>Which entries each peer has applied (index to term), and who waits for one.</summary>
    private sealed class CommitTracker
    {
        private readonly object _lock = new();
        private readonly Dictionary<(string Peer, long Index), long> _applied = new();
        private readonly Dictionary<(string Peer, long Index), TaskCompletionSource<long>> _waiting = new();

        public void OnApplied(Applied applied)
        {
            TaskCompletionSource<long>? waiter;
            lock (_lock)
            {
                _applied[(applied.PeerId, applied.Index)] = applied.Term;
                _waiting.Remove((applied.PeerId, applied.Index), out waiter);
            }
            waiter?.TrySetResult(applied.Term);
        }

        /// <summary>Completes with the term of the entry <paramref name="peer"/> applies at <paramref name="index"/>.</summary>
        public Task<long> WhenApplied(string peer, long index)
        {
            lock (_lock)
            {
                if (_applied.TryGetValue((peer, index), out var term)) return Task.FromResult(term);
                if (!_waiting.TryGetValue((peer, index), out var waiter))
                    _waiting[(peer, index)] = waiter = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                return waiter.Task;
            }
        }
    }

    /// <summary>Every peer's apply target: hands what it applies to the <see cref="CommitTracker"/>.</summary>
    private sealed class AppliedSink : ReceiveActor
    {
        public AppliedSink(CommitTracker commits) => Receive<Applied>(commits.OnApplied);
    }
}

/// <summary>The failover times of one system's trials, in milliseconds, and the first failure if a trial failed.</summary>
internal sealed record FailoverResult(string System, string Mode, IReadOnlyList<double> TrialsMs, string? Failure)
{
    public double MedianMs => TrialsMs.Count == 0 ? double.NaN : Median(TrialsMs);

    public double MaxMs => TrialsMs.Count == 0 ? double.NaN : TrialsMs.Max();

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
