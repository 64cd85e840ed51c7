using Akka.Configuration;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Configuration;
using AkkaRaft.Actors.Messages;

namespace AkkaRaft.Bench;

/// <summary>
/// Three Raft peers in a fresh ActorSystem, wired as the Host wires them: each reaches the others by id through
/// a forwarding proxy, so all can be created before any exists. Every peer applies to <c>applyTo</c>.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    public const string Hocon = """
        akka {
          loglevel = WARNING
          persistence.journal.plugin = "akka.persistence.journal.inmem"
          persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
          raft {
            cluster-id = "bench"
            members = ["n1", "n2", "n3"]
          }
        }
        """;

    private readonly Dictionary<string, IActorRef> _peers;

    private BenchCluster(ActorSystem system, RaftSettings settings, IActorRef applyTo, Dictionary<string, IActorRef> peers)
    {
        System = system;
        Settings = settings;
        ApplyTo = applyTo;
        _peers = peers;
    }

    public ActorSystem System { get; }

    public RaftSettings Settings { get; }

    /// <summary>The actor every peer applies committed entries to.</summary>
    public IActorRef ApplyTo { get; }

    /// <summary>Starts the peers; <paramref name="applyTo"/> makes the apply target once the system exists.</summary>
    public static BenchCluster Start(Func<ActorSystem, IActorRef> applyTo)
    {
        var system = ActorSystem.Create("akkaraft-bench", ConfigurationFactory.ParseString(Hocon));
        var settings = RaftSettings.Create(system);
        var target = applyTo(system);
        var proxies = settings.Members.ToDictionary(id => id, id => system.ActorOf(Props.Create(() => new Forwarder()), $"to-{id}"));
        var options = new RaftActorOptions { ApplyTo = target };
        var peers = settings.Members.ToDictionary(id => id, id => system.ActorOf(
            RaftActor.Props(settings.WithPeerId(id), RaftPeers.FromRefs(proxies.Where(p => p.Key != id).ToDictionary(p => p.Key, p => p.Value)), options), id));
        foreach (var (id, proxy) in proxies) proxy.Tell(peers[id]);
        return new BenchCluster(system, settings, target, peers);
    }

    public IActorRef Peer(string id) => _peers[id];

    /// <summary>Asks every peer for its state until one says it leads.</summary>
    public async Task<RaftState> WaitForLeader(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var peer in _peers.Values)
            {
                var state = await peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(2));
                if (state.IsLeader) return state;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"no leader within {within.TotalSeconds} s");
    }

    public async ValueTask DisposeAsync()
    {
        await System.Terminate();
        System.Dispose();
    }
}

/// <summary>Forwards everything to the peer it was given; stands in for a network route.</summary>
internal sealed class Forwarder : ReceiveActor
{
    public Forwarder() =>
        Receive<IActorRef>(target => Become(() => ReceiveAny(m => target.Forward(m))));
}
