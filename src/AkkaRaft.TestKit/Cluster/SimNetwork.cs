using Akka.Actor;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;

namespace AkkaRaft.TestKit;

/// <summary>
/// The simulated network between the endpoints of one <see cref="RaftCluster"/> or <see cref="KvCluster"/>: every
/// message from endpoint i to endpoint j passes through a link actor that consults this object.
/// A disconnected endpoint neither sends nor receives; a cut link drops what crosses it in one direction; the
/// unreliable mode drops about 10% of messages and delays the rest by 0-27 ms; long reordering delays about two
/// thirds of responses by 200-2200 ms. It counts requests delivered per endpoint and bytes sent. Raft must stay
/// safe under all of it (Raft §5.5: RPCs may be lost, delayed and repeated) and live once a majority is connected.
/// </summary>
public sealed class SimNetwork
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

    internal SimNetwork(int peers, int seed)
    {
        _connected = Enumerable.Repeat(true, peers).ToArray();
        _targets = new IActorRef?[peers];
        _rpcsReceived = new long[peers];
        _random = new Random(seed);
    }

    /// <summary>Connects or disconnects endpoint <paramref name="peer"/>: while disconnected it neither sends nor receives.</summary>
    public void SetConnected(int peer, bool connected) { lock (_gate) _connected[peer] = connected; }

    /// <summary>Cuts (or restores) the one-way link <paramref name="from"/> → <paramref name="to"/>; a partition cuts both directions.</summary>
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

    /// <summary>Whether endpoint <paramref name="peer"/> is connected.</summary>
    public bool IsConnected(int peer) { lock (_gate) return _connected[peer]; }

    /// <summary>When on, about 10% of messages are dropped and the rest delayed by 0-27 ms, which also reorders them.</summary>
    public void SetUnreliable(bool on) { lock (_gate) _unreliable = on; }

    /// <summary>When on, about two thirds of responses are delayed by 200-2200 ms, so stale answers arrive long after newer ones.</summary>
    public void SetLongReordering(bool on) { lock (_gate) _longReordering = on; }

    /// <summary>Where messages for endpoint <paramref name="peer"/> go now: its current incarnation, or null while it is down.</summary>
    internal void SetTarget(int peer, IActorRef? target) { lock (_gate) _targets[peer] = target; }

    /// <summary>Requests delivered to endpoint <paramref name="peer"/> so far.</summary>
    public long RpcCount(int peer) { lock (_gate) return _rpcsReceived[peer]; }

    /// <summary>Requests delivered to every endpoint so far.</summary>
    public long RpcTotal() { lock (_gate) return _rpcsReceived.Sum(); }

    /// <summary>Approximate bytes sent so far, whether delivered or not: a header per message plus the commands it carries.</summary>
    public long BytesTotal() { lock (_gate) return _bytes; }

    /// <summary>Decides the fate of a message just sent from <paramref name="from"/> to <paramref name="to"/>: null to drop it, else the delay.</summary>
    internal TimeSpan? OnSend(int from, int to, object message)
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
    internal IActorRef? OnDeliver(int from, int to, object message)
    {
        lock (_gate)
        {
            if (!Enabled(from, to) || _targets[to] is null) return null;
            if (message is IRaftRequest) _rpcsReceived[to]++;
            return _targets[to];
        }
    }

    /// <summary>At delivery time, for an endpoint with no actor of its own (a client's reply): may it still arrive?</summary>
    internal bool CanDeliver(int from, int to)
    {
        lock (_gate) return Enabled(from, to);
    }

    private bool Enabled(int from, int to) => _connected[from] && _connected[to] && !_cut.Contains((from, to));
}

/// <summary>
/// One direction of one link: peer <c>from</c> sends to peer <c>to</c> through it. A message sent with a sender arrives
/// with the link back (<c>reverse</c>) as its sender, so a peer that learns a route from a sender learns one
/// through the network; a message sent without one arrives without one.
/// </summary>
internal sealed class LinkActor : ReceiveActor, IWithTimers
{
    private sealed record Deliver(object Message, IActorRef? ReplyTo);

    private long _delayed;

    public ITimerScheduler Timers { get; set; } = null!;

    public LinkActor(int from, int to, SimNetwork network, Func<IActorRef>? reverse = null)
    {
        Receive<Deliver>(d => network.OnDeliver(from, to, d.Message)?.Tell(d.Message, d.ReplyTo));
        ReceiveAny(message =>
        {
            var replyTo = reverse is null || Sender.IsNobody() || Sender.Equals(Context.System.DeadLetters) ? ActorRefs.NoSender : reverse();
            var delay = network.OnSend(from, to, message);
            if (delay is null) return;
            if (delay == TimeSpan.Zero)
                network.OnDeliver(from, to, message)?.Tell(message, replyTo);
            else
                Timers.StartSingleTimer(++_delayed, new Deliver(message, replyTo), delay.Value); // one key per message: none replaces another
        });
    }
}

/// <summary>
/// Approximate encoded size of a Raft message: a fixed header plus the command bytes it carries.
/// Enough to check a byte budget, which is about commands crossing the network once per follower.
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
