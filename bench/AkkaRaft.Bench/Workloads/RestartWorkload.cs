using System.Buffers.Binary;
using System.Diagnostics;
using Akka.Configuration;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Bench;

/// <summary>
/// How long a peer takes to be back after a restart with a long history: three peers, each in its own ActorSystem
/// with its own journal (RocksDB or SQLite) and snapshots every <c>snapshotEvery</c> entries (requested by the peer, taken by a small
/// state machine), commit <c>commands</c> commands; then one follower's ActorSystem is terminated and started again
/// from its file, and the time until it has applied up to the leader's commit index is measured.
/// </summary>
internal static class RestartWorkload
{
    private sealed record Retarget(IActorRef Target);

    /// <summary>A route to a peer that can be pointed at its next incarnation.</summary>
    private sealed class Relay : ReceiveActor
    {
        private IActorRef _target = ActorRefs.Nobody;

        public Relay()
        {
            Receive<Retarget>(r => _target = r.Target);
            ReceiveAny(m => _target.Tell(m, Sender));
        }
    }

    /// <summary>A state machine whose state is a running hash of the commands and the last index: small snapshots.</summary>
    private sealed class HashingStateMachine : ReceiveActor
    {
        private long _hash;
        private long _lastApplied;

        public HashingStateMachine()
        {
            Receive<Applied>(a =>
            {
                _lastApplied = a.Index;
                if (a.Command.Length < 8) return; // a leader's no-op or a configuration entry: no command of ours
                _hash = unchecked(_hash * 31 + BinaryPrimitives.ReadInt64LittleEndian(a.Command));
            });
            Receive<SnapshotRequested>(_ =>
            {
                var state = new byte[16];
                BinaryPrimitives.WriteInt64LittleEndian(state, _hash);
                BinaryPrimitives.WriteInt64LittleEndian(state.AsSpan(8), _lastApplied);
                Sender.Tell(new Snapshot(_lastApplied, state));
            });
            Receive<SnapshotInstalled>(s =>
            {
                _hash = BinaryPrimitives.ReadInt64LittleEndian(s.State);
                _lastApplied = BinaryPrimitives.ReadInt64LittleEndian(s.State.AsSpan(8));
            });
        }
    }

    public static async Task<int> Run(int commands, int snapshotEvery, string store)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("akkaraft-restart-").FullName;
        string[] ids = ["n1", "n2", "n3"];
        var settings = RaftSettings.Create(ConfigurationFactory.ParseString(BenchCluster.Hocon)).WithSnapshots(logEntries: snapshotEvery);
        var hub = ActorSystem.Create("akkaraft-restart", ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
        var relays = ids.ToDictionary(id => id, id => hub.ActorOf(Props.Create(() => new Relay()), $"to-{id}"));
        var systems = new Dictionary<string, ActorSystem>();
        var peers = new Dictionary<string, IActorRef>();

        IActorRef StartPeer(string id)
        {
            var system = ActorSystem.Create($"akkaraft-restart-{id}", ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(BenchCluster.StoreConfig(store, dataDirectory, id)));
            systems[id] = system;
            RaftExtension.Get(system); // unsupervised peers start at once: start the clock from this thread (see RaftExtension)
            var stateMachine = system.ActorOf(Props.Create(() => new HashingStateMachine()), "state");
            var routes = ids.Where(o => o != id).ToDictionary(o => o, o => relays[o]);
            var peer = system.ActorOf(RaftActor.Props(settings.WithPeerId(id), RaftPeers.FromRefs(routes), new RaftActorOptions { ApplyTo = stateMachine }), "raft");
            relays[id].Tell(new Retarget(peer));
            peers[id] = peer;
            return peer;
        }

        try
        {
            foreach (var id in ids) StartPeer(id);
            var leader = await WaitForLeader(peers);
            Console.WriteLine($"restart: committing {commands:N0} commands through {leader.PeerId} ({store}, snapshot every {snapshotEvery} entries) ...");
            var load = Stopwatch.StartNew();
            var command = new byte[64];
            for (var sent = 0; sent < commands;)
            {
                var batch = Math.Min(500, commands - sent);
                var accepted = await Task.WhenAll(Enumerable.Range(0, batch).Select(k =>
                {
                    var c = (byte[])command.Clone();
                    BinaryPrimitives.WriteInt64LittleEndian(c, sent + k);
                    return peers[leader.PeerId].Ask<ProposeAccepted>(new Propose(c), TimeSpan.FromSeconds(30));
                }));
                sent += batch;
                var last = accepted.Max(a => a.Index);
                while ((await State(peers[leader.PeerId])).LastApplied < last) await Task.Delay(5);
            }
            Console.WriteLine($"restart: committed in {load.Elapsed.TotalSeconds:F1} s");

            var victim = ids.First(id => id != leader.PeerId);
            await systems[victim].Terminate();
            var commit = (await State(peers[leader.PeerId])).CommitIndex;
            var clock = Stopwatch.StartNew();
            var restarted = StartPeer(victim);
            RaftState state;
            while ((state = await State(restarted)).LastApplied < commit) await Task.Delay(2);
            var elapsed = clock.Elapsed;
            Console.WriteLine($"restart: {victim} was back in {elapsed.TotalMilliseconds:F0} ms (applied {state.LastApplied:N0} ≥ commit {commit:N0}; " +
                              $"snapshot at {state.SnapshotIndex:N0}, {state.LastLogIndex - state.SnapshotIndex} log entries replayed)");
            return 0;
        }
        finally
        {
            await Task.WhenAll(systems.Values.Select(s => s.Terminate()));
            await hub.Terminate();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static Task<RaftState> State(IActorRef peer) => peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(15));

    private static async Task<RaftState> WaitForLeader(Dictionary<string, IActorRef> peers)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var peer in peers.Values)
            {
                var state = await State(peer);
                if (state.IsLeader) return state;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException("no leader within 30 s");
    }
}
