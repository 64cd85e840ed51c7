using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors;

/// <summary>
/// Keeps one <see cref="RaftActor"/> running: it forwards everything to the current incarnation, restarts a peer
/// that stopped after a failed journal write with exponential backoff (the new incarnation recovers from the
/// journal), and leaves a peer stopped, and stops itself, when the journal cannot be recovered. Exceptions in the
/// peer restart it in place (the default strategy), which also re-runs recovery. Peers route to the supervisor,
/// whose reference outlives the incarnations.
/// </summary>
internal sealed class RaftPeerSupervisor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private sealed class StartPeer
    {
        public static readonly StartPeer Instance = new();
        private StartPeer() { }
    }

    private sealed record ClockFailed(Exception Cause);

    /// <summary>The incarnation it names has stayed up for a full maximum backoff: the backoff starts over.</summary>
    private sealed record Stable(int Incarnation);

    private readonly Props _peerProps;
    private readonly string _peerId;
    private readonly TimeSpan _minBackoff;
    private readonly TimeSpan _maxBackoff;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _peer;
    private int _incarnation;
    private int _consecutiveStops;
    private string? _recoveryFailure;

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    public RaftPeerSupervisor(Props peerProps, string peerId, TimeSpan minBackoff, TimeSpan maxBackoff)
    {
        _peerProps = peerProps;
        _peerId = peerId;
        _minBackoff = minBackoff;
        _maxBackoff = maxBackoff;

        // The first incarnation starts once the system's scheduler clock runs (see RaftExtension): the peer schedules
        // as it recovers, and waiting here, asynchronously, keeps pool threads free for the clock to start on.
        // What arrives meanwhile is kept for the peer.
        Receive<StartPeer>(_ =>
        {
            Become(Supervising);
            Start();
            Stash.UnstashAll();
        });
        Receive<ClockFailed>(f => throw new InvalidOperationException($"{_peerId} cannot start: the scheduler clock did not start ({f.Cause.Message})", f.Cause));
        ReceiveAny(_ => Stash.Stash());
    }

    private void Supervising()
    {
        Receive<StartPeer>(_ => Start());
        Receive<RecoveryFailed>(f => _recoveryFailure = f.Reason);
        Receive<Stable>(s => { if (s.Incarnation == _incarnation && _peer is not null) _consecutiveStops = 0; });
        Receive<Terminated>(t => t.ActorRef.Equals(_peer), OnPeerStopped);
        ReceiveAny(m => _peer?.Forward(m)); // while the peer is down, messages are lost, as on a network
    }

    protected override void PreStart()
    {
        var clock = RaftExtension.Get(Context.System).ClockStarted;
        if (clock.IsCompletedSuccessfully)
        {
            Become(Supervising);
            Start();
        }
        else clock.PipeTo(Self, success: () => StartPeer.Instance, failure: e => new ClockFailed(e));
    }

    private void Start()
    {
        _peer = Context.Watch(Context.ActorOf(_peerProps, $"{_peerId}-{++_incarnation}"));
        Timers.StartSingleTimer(typeof(Stable), new Stable(_incarnation), _maxBackoff);
    }

    private void OnPeerStopped(Terminated _)
    {
        _peer = null;
        if (_recoveryFailure is not null)
        {
            _log.Error("{0} stays stopped: its journal cannot be recovered ({1})", _peerId, _recoveryFailure);
            Context.Stop(Self);
            return;
        }
        var backoff = TimeSpan.FromTicks(Math.Min(_maxBackoff.Ticks, _minBackoff.Ticks << Math.Min(_consecutiveStops, 20)));
        _consecutiveStops++;
        _log.Warning("{0} stopped; starting it again from its journal in {1} ms", _peerId, (long)backoff.TotalMilliseconds);
        Timers.StartSingleTimer(StartPeer.Instance, StartPeer.Instance, backoff);
    }
}
