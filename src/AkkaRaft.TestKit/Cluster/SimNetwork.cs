using Akka.Actor;
using AkkaRaft.Actors.Log;
using AkkaRaft.Actors.Messages;

namespace AkkaRaft.TestKit;

/// <summary>
/// The simulated network between the peers of one <see cref="RaftCluster"/>, in the spirit of the lab's
/// labrpc: every message from peer i to peer j passes through a link actor that consults this object.
/// A disconnected peer neither sends nor receives; the unreliable mode drops about 10% of messages and
/// delays the rest by 0-27 ms; long reordering delays about two thirds of responses by 200-2200 ms.
/// It counts requests delivered per peer (the lab's RPC count) and bytes sent.
/// </summary>
internal sealed class SimNetwork
{
    private readonly object _gate = new();
    private readonly bool[] _connected;
    private readonly IActorRef?[] _targets;
    private readonly long[] _rpcsReceived;
    private readonly Random _random;
    private readonly HashSet<(int From, int To)> _cut = new();
    private long _bytes;
    private bool _unreliable;
    private bool _longReordering;

    public SimNetwork(int peers, int seed)
    {
        _connected = Enumerable.Repeat(true, peers).ToArray();
        _targets = new IActorRef?[peers];
        _rpcsReceived = new long[peers];
        _random = new Random(seed);
    }

    public void SetConnected(int peer, bool connected) { lock (_gate) _connected[peer] = connected; }

    /// <summary>Cuts (or restores) the one-way link <paramref name="from"/> → <paramref name="to"/>, as the lab's partition does.</summary>
    public void SetLink(int from, int to, bool enabled)
    {
        lock (_gate)
        {
            if (enabled) _cut.Remove((from, to));
            else _cut.Add((from, to));
        }
    }

    /// <summary>Endpoints this network knows (servers first, then clients).</summary>
    public int Endpoints => _connected.Length;
    public bool IsConnected(int peer) { lock (_gate) return _connected[peer]; }
    public void SetUnreliable(bool on) { lock (_gate) _unreliable = on; }
    public void SetLongReordering(bool on) { lock (_gate) _longReordering = on; }
    public void SetTarget(int peer, IActorRef? target) { lock (_gate) _targets[peer] = target; }

    public long RpcCount(int peer) { lock (_gate) return _rpcsReceived[peer]; }
    public long RpcTotal() { lock (_gate) return _rpcsReceived.Sum(); }
    public long BytesTotal() { lock (_gate) return _bytes; }

    /// <summary>Decides the fate of a message just sent from <paramref name="from"/> to <paramref name="to"/>: null to drop it, else the delay.</summary>
    public TimeSpan? OnSend(int from, int to, object message)
    {
        lock (_gate)
        {
            _bytes += WireSize.Of(message);
            if (!Enabled(from, to)) return null;
            var delay = TimeSpan.Zero;
            if (_unreliable)
            {
                if (_random.NextDouble() < 0.1) return null;
                delay = TimeSpan.FromMilliseconds(_random.Next(0, 27));
            }
            if (_longReordering && message is IRaftResponse && _random.Next(900) < 600)
                delay = TimeSpan.FromMilliseconds(200 + _random.Next(1, 2000));
            return delay;
        }
    }

    /// <summary>At delivery time: the current incarnation of <paramref name="to"/>, or null when either end is now cut off or down.</summary>
    public IActorRef? OnDeliver(int from, int to, object message)
    {
        lock (_gate)
        {
            if (!Enabled(from, to) || _targets[to] is null) return null;
            if (message is IRaftRequest) _rpcsReceived[to]++;
            return _targets[to];
        }
    }

    /// <summary>At delivery time, for an endpoint with no actor of its own (a client's reply): may it still arrive?</summary>
    public bool CanDeliver(int from, int to)
    {
        lock (_gate) return Enabled(from, to);
    }

    private bool Enabled(int from, int to) => _connected[from] && _connected[to] && !_cut.Contains((from, to));
}

/// <summary>One direction of one link: peer <c>from</c> sends to peer <c>to</c> through it.</summary>
internal sealed class LinkActor : ReceiveActor, IWithTimers
{
    private sealed record Deliver(object Message);

    private long _delayed;

    public ITimerScheduler Timers { get; set; } = null!;

    public LinkActor(int from, int to, SimNetwork network)
    {
        Receive<Deliver>(d => network.OnDeliver(from, to, d.Message)?.Tell(d.Message, ActorRefs.NoSender));
        ReceiveAny(message =>
        {
            var delay = network.OnSend(from, to, message);
            if (delay is null) return;
            if (delay == TimeSpan.Zero)
                network.OnDeliver(from, to, message)?.Tell(message, ActorRefs.NoSender);
            else
                Timers.StartSingleTimer(++_delayed, new Deliver(message), delay.Value); // one key per message: none replaces another
        });
    }
}

/// <summary>
/// Approximate encoded size of a Raft message: a fixed header plus the command bytes it carries.
/// Enough for the lab's byte budgets, which are about commands crossing the network once per follower.
/// </summary>
internal static class WireSize
{
    private const int Header = 64;
    private const int PerEntry = 24;

    public static long Of(object message) => message switch
    {
        AppendEntries ae => Header + ae.Entries.Sum(e => PerEntry + (long)e.Command.Length),
        _ => Header,
    };

    public static long OfEntries(IEnumerable<LogEntry> entries) => entries.Sum(e => PerEntry + (long)e.Command.Length);
}
