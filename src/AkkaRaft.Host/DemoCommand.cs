using System.Diagnostics;
using System.Runtime.InteropServices;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Host;

/// <summary>
/// `demo` (and the Host with no arguments): three `node` child processes on loopback, a client writing, the leader
/// killed with SIGKILL, a new leader, the failover time, the killed node restarted and caught up, and a final check
/// that every acknowledged write is in the store. One line per step, with the time since the start.
/// </summary>
internal static class DemoCommand
{
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Tables start under the text of a step's line, after its "[ 12.3 s] ".</summary>
    private const string Indent = "           ";

    public static async Task<int> Run()
    {
        var clock = Stopwatch.StartNew();
        using var interrupt = new CancellationTokenSource();
        void Interrupt(PosixSignalContext signal)
        {
            signal.Cancel = true; // end through the finally below, which kills the nodes
            interrupt.Cancel();
        }
        // Ctrl-C, SIGTERM and SIGHUP (a closed terminal) would end the process at once and leave the nodes running.
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        using var onHangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Interrupt);
        var program = HostProgram.Current();
        Console.WriteLine("AkkaRaft demo: a 3-node key-value cluster, each node a child process of this program with its own");
        Console.WriteLine("RocksDB journal, on loopback. A client keeps writing while the leader is killed with kill -9 (SIGKILL).");
        LocalCluster? cluster = null;
        var passed = false;
        var failed = false;
        try
        {
            cluster = LocalCluster.Start(program, 3, "akkaraft-demo");
            var step = new Steps(clock);
            step.Say($"cluster file {cluster.Cluster.Path} (try `status --config` on it)");
            step.Say($"started {string.Join(", ", cluster.Cluster.Nodes.Select(n => $"{n.Id} (pid {cluster.Nodes[n.Id].Pid}, {n.Host}:{n.Port})"))}");
            using var system = ClientCommands.ClientSystem(cluster.Cluster);
            try
            {
                passed = await Script(cluster, system, step, interrupt.Token);
            }
            finally
            {
                await system.Terminate();
            }
            failed = !passed;
            return passed ? 0 : 1;
        }
        catch (Exception e) when (interrupt.IsCancellationRequested && e is OperationCanceledException or DemoFailure)
        {
            // A DemoFailure here is most likely a node that heard the same Ctrl-C (it shares the terminal) and left.
            Console.Error.WriteLine("demo interrupted");
            return 1;
        }
        catch (DemoFailure e)
        {
            failed = true;
            Console.Error.WriteLine($"demo failed: {e.Message}");
            foreach (var node in cluster?.Nodes.Values ?? [])
            {
                foreach (var line in node.Describe()) Console.Error.WriteLine(line);
            }
            return 1;
        }
        finally
        {
            if (cluster is not null)
            {
                cluster.Dispose(keepFiles: failed);
                Console.WriteLine(failed
                    ? $"stopped every node; kept {cluster.Directory} (cluster file and journals)"
                    : $"stopped every node; removed {cluster.Directory}");
            }
        }
    }

    private static async Task<bool> Script(LocalCluster cluster, ActorSystem system, Steps step, CancellationToken interrupt)
    {
        var ids = cluster.Cluster.Nodes.Select(n => n.Id).ToArray();
        NodeAddress Address(string id) => cluster.Cluster.Nodes.Single(n => n.Id == id);
        async Task<RaftState?[]> Query(IEnumerable<string> which)
        {
            var states = await ClientCommands.QueryStates(system, which.Select(Address), StatusTimeout);
            return states.Select(s => s.State).ToArray();
        }
        // The table of nodes after a step, indented under its line; a node not in `which` did not answer.
        void Table(IReadOnlyList<string> which, RaftState?[] states)
        {
            var answers = which.Zip(states, (id, state) => (Id: id, State: state)).ToDictionary(p => p.Id, p => p.State);
            NodeTable.Print(NodeRow.Of(ids.Select(id => (Address(id), answers.GetValueOrDefault(id)))), Indent);
        }

        // Every node must answer before the leader is killed: with one of three silent (a peer whose journal recovery
        // failed stays stopped inside a running process), killing the leader would leave no majority.
        RaftState?[] seen = [];
        var first = await WaitFor("leader with every node answering", TimeSpan.FromSeconds(30), interrupt, async () =>
        {
            cluster.ThrowIfExited(ids);
            seen = await Query(ids);
            return seen.All(s => s is not null) ? Leader(seen) : null;
        }, () => Silent(ids, seen));
        step.Say($"{first.PeerId} is the leader at term {first.Term}; every node answers");
        Table(ids, seen);

        var servers = RaftPeers.FromPaths(cluster.Cluster.Nodes.ToDictionary(n => n.Id, n => ActorPath.Parse(n.ServerPath)));
        var client = new KvClient(system, servers);
        var writer = new DemoWriter(client, step.Clock);
        writer.Start(interrupt);
        step.Say($"a client appends a unique token (w1, w2, ...) to key \"{DemoWriter.Key}\", one write at a time");
        await Task.Delay(TimeSpan.FromSeconds(3), interrupt);
        writer.ThrowIfFailed();
        step.Say($"{writer.Acknowledged} writes acknowledged");

        // Leadership may have moved since (an election on a busy machine): kill whoever leads now, or the writes would
        // never stop and the failover figure would mean nothing.
        var leader = await WaitFor("leader", TimeSpan.FromSeconds(15), interrupt, async () =>
        {
            cluster.ThrowIfExited(ids);
            seen = await Query(ids);
            return Leader(seen);
        }, () => Silent(ids, seen));
        var victim = cluster.Nodes[leader.PeerId];
        step.Say($"kill -9 {leader.PeerId} (pid {victim.Pid}), the leader at term {leader.Term}");
        var killedAt = step.Clock.Elapsed;
        victim.Kill();
        // A write called from now on cannot have been served by the old leader.
        var goneAt = step.Clock.Elapsed;
        var survivors = ids.Where(id => id != leader.PeerId).ToArray();
        var second = await WaitFor("new leader", TimeSpan.FromSeconds(15), interrupt, async () =>
        {
            cluster.ThrowIfExited(survivors);
            writer.ThrowIfFailed();
            seen = await Query(survivors);
            return Leader(seen) is { } next && next.Term > leader.Term ? next : null;
        }, () => Silent(survivors, seen));
        step.Say($"{second.PeerId} is the new leader at term {second.Term}, seen {(step.Clock.Elapsed - killedAt).TotalSeconds:0.00} s after the kill");
        Table(survivors, seen);
        var resumed = await WaitFor("write acknowledged after the kill", TimeSpan.FromSeconds(15), interrupt, () =>
        {
            writer.ThrowIfFailed();
            return Task.FromResult(writer.FirstAcknowledgedAfter(goneAt));
        });
        var failover = resumed.Returned - killedAt;
        step.Say($"first write after the kill ({resumed.Token}) acknowledged {failover.TotalSeconds:0.00} s after the kill");
        await Task.Delay(TimeSpan.FromSeconds(2), interrupt);
        writer.ThrowIfFailed();
        step.Say($"writes continue: {writer.Writes.Count(w => w.Acknowledged && w.Called >= killedAt)} acknowledged since the kill");

        var target = (await WaitFor("leader's commit index", TimeSpan.FromSeconds(15), interrupt, async () =>
            Leader(await Query(survivors)))).CommitIndex;
        var restarted = cluster.StartNode(leader.PeerId);
        var restartedAt = step.Clock.Elapsed;
        step.Say($"restart {leader.PeerId} (pid {restarted.Pid}) on its data directory; the leader's commit index is {target}");
        var back = await WaitFor($"answer from {leader.PeerId}", TimeSpan.FromSeconds(30), interrupt, async () =>
        {
            cluster.ThrowIfExited(ids);
            writer.ThrowIfFailed();
            return (await Query([leader.PeerId]))[0];
        });
        step.Say($"{leader.PeerId} answers again (process start-up and journal recovery), applied index {back.LastApplied}");
        var caughtUp = back.LastApplied >= target ? back : await WaitFor($"catch-up of {leader.PeerId}", TimeSpan.FromSeconds(30), interrupt, async () =>
        {
            cluster.ThrowIfExited(ids);
            writer.ThrowIfFailed();
            return (await Query([leader.PeerId]))[0] is { } s && s.LastApplied >= target ? s : null;
        });
        var catchUp = step.Clock.Elapsed - restartedAt;
        step.Say($"{leader.PeerId} caught up: applied index {caughtUp.LastApplied} reached the leader's {target}, {catchUp.TotalSeconds:0.00} s after its restart");
        Table(ids, await Query(ids));

        await writer.StopAsync();
        var writes = writer.Writes;
        step.Say($"writer stopped: {writes.Count(w => w.Acknowledged)} writes acknowledged, {writes.Count(w => !w.Acknowledged)} timed out");
        var settled = await WaitFor("agreement of every node", TimeSpan.FromSeconds(15), interrupt, async () =>
        {
            cluster.ThrowIfExited(ids);
            var states = await Query(ids);
            var commit = states.Max(s => s?.CommitIndex);
            return states.All(s => s is not null && s.CommitIndex == commit && s.LastApplied == commit) ? states : null;
        });
        step.Say($"every node has applied the whole log, up to index {settled[0]!.CommitIndex}:");
        Table(ids, settled);

        var read = await client.GetAsync(DemoWriter.Key, interrupt);
        if (!read.IsOk) throw new DemoFailure($"the final read of \"{DemoWriter.Key}\" timed out");
        var verdict = DemoVerdict.Check(writes, read.Value);
        step.Say($"linearizable get of \"{DemoWriter.Key}\": {(read.Value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Length} tokens");
        Console.WriteLine($"summary: {verdict.Describe()}");
        Console.WriteLine($"  failover (kill -9 of the leader to the acknowledgement of the first write sent after it): {failover.TotalSeconds:0.00} s");
        Console.WriteLine($"  {leader.PeerId} restarted and caught up in {catchUp.TotalSeconds:0.00} s; demo took {step.Clock.Elapsed.TotalSeconds:0.0} s");
        return verdict.Passed;
    }

    /// <summary>
    /// Polls <paramref name="probe"/> until it finds something; after <paramref name="limit"/>, fails naming
    /// <paramref name="what"/> and adding what <paramref name="detail"/> says about the last attempt.
    /// </summary>
    private static async Task<T> WaitFor<T>(string what, TimeSpan limit, CancellationToken interrupt, Func<Task<T?>> probe, Func<string>? detail = null) where T : class
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } found) return found;
            if (waited.Elapsed > limit) throw new DemoFailure($"no {what} within {limit.TotalSeconds:0} s{detail?.Invoke()}");
            await Task.Delay(Poll, interrupt);
        }
    }

    /// <summary>The node that leads in the highest term any node reports, if one does.</summary>
    private static RaftState? Leader(RaftState?[] states)
    {
        var term = states.Max(s => s?.Term);
        return states.FirstOrDefault(s => s is { IsLeader: true } && s.Term == term);
    }

    /// <summary>Which of <paramref name="ids"/> did not answer the last status query, said as the end of a failure message.</summary>
    private static string Silent(IReadOnlyList<string> ids, RaftState?[] states)
    {
        var silent = ids.Where((_, i) => i >= states.Length || states[i] is null).ToList();
        return silent.Count == 0 ? "" : $"; {string.Join(" and ", silent)} did not answer (a peer whose journal recovery failed stays stopped; see the output below)";
    }

    /// <summary>Prints one line per step, with the seconds since the demo started.</summary>
    private sealed class Steps(Stopwatch clock)
    {
        public Stopwatch Clock { get; } = clock;

        public void Say(string text) => Console.WriteLine($"[{Clock.Elapsed.TotalSeconds,5:0.0} s] {text}");
    }
}
