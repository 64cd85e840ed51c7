using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Persistence;
using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Metrics;

namespace AkkaRaft.Actors;

/// <summary>
/// One Raft peer. Its roles (Follower, PreCandidate, Candidate, Leader) are behaviours switched with <c>Become</c>;
/// its term, vote and log are event-sourced through Akka.Persistence and are durable before the peer
/// answers any RPC that depends on them (Raft paper Figure 2). Create it with <see cref="Props"/>.
/// </summary>
public sealed partial class RaftActor : ReceivePersistentActor, IWithTimers
{
    private const string ElectionTimerKey = "election";
    private const string HeartbeatTimerKey = "heartbeat";

    private readonly RaftSettings _settings;
    private readonly RaftPeers _peerDirectory;
    private readonly Random _random;
    private readonly TimeProvider _clock;
    private readonly long _clockOrigin;
    private readonly IActorRef? _applyTo;
    private readonly ILoggingAdapter _logger = Context.GetLogger();
    private readonly string _id;
    /// <summary>Every other member of the latest configuration, voters then learners: whom a leader replicates to.</summary>
    private string[] _others = [];
    /// <summary>Every other voter of the latest configuration: whom a candidate asks, and whose answers make a majority.</summary>
    private string[] _otherVoters = [];
    /// <summary>Answers a leader needs, counting itself as one (a majority of voters, one more when it is not a voter itself).</summary>
    private int _quorumNeeded = 1;
    /// <summary>How to reach each peer by id: the routes given, those resolved from configuration addresses, and those learned from senders.</summary>
    private Dictionary<string, ICanTell> _routes = new(StringComparer.Ordinal);

    // Delegates made once, not per message, on the replication path.
    private readonly Action<IRaftMessage> _asFollower;
    private readonly Action<IRaftMessage> _asCandidate;
    private readonly Action<IRaftMessage> _asPreCandidate;
    private readonly Action<IRaftMessage> _asLeader;
    private readonly Func<long, long?> _termAt;
    private readonly Func<string, long> _matchOf;
    private readonly Action<(Step Step, Action? Then)> _completeAfterWrites;

    // Persistent state (Figure 2): rebuilt from the journal on every start.
    private long _currentTerm;
    private string? _votedFor;
    private readonly RaftLog _log = new();
    /// <summary>The configuration in effect at each point of the log (Raft thesis §4), rebuilt with it.</summary>
    private MembershipLog _configs;
    /// <summary>The configuration before any entry: the members given at start, or none for a peer that joins.</summary>
    private readonly Membership _bootstrap;

    /// <summary>What of the log is durable, and what is still being written.</summary>
    private readonly LogDurability _durability = new();

    // Volatile state.
    private long _commitIndex;
    private long _lastApplied;
    private RaftRole _role = RaftRole.Follower;
    private string? _leaderId;
    private RaftRoleChanged? _lastPublished;

    // Snapshots (§7).
    /// <summary>The state machine's state as of <c>_log.SnapshotIndex</c> (empty when there is no snapshot).</summary>
    private byte[] _snapshotState = Array.Empty<byte>();
    /// <summary>The snapshot a leader is sending this follower, chunk by chunk.</summary>
    private readonly SnapshotAssembly _assembly = new();
    /// <summary>The last applied index at which the peer asked its apply target for a snapshot.</summary>
    private long _snapshotRequestedAt;

    // A candidate's election (§5.2): null in any other role.
    private VoterTally? _votes;
    /// <summary>
    /// A pre-candidate's tally of the election it timed out of in the same term, if it came straight from there: grants
    /// that arrive late are votes for it in that term all the same. Set on each entry into pre-candidacy.
    /// </summary>
    private VoterTally? _votesOfElectionTimedOut;

    // A leader's state, reset at each election (Figure 2, "Volatile state on leaders").
    private readonly Dictionary<string, FollowerProgress> _progress = new(StringComparer.Ordinal);
    /// <summary>Commands accepted since the last flush; appended and sent together, so a burst costs one write and one message per follower.</summary>
    private readonly List<LogEntry> _proposed = new();
    private bool _flushScheduled;
    /// <summary>The leader's ReadIndex reads (Raft thesis §6.4), from admission to release.</summary>
    private readonly ReadRounds<IActorRef> _reads = new();
    /// <summary>With lease reads: when a majority last acknowledged this leader (Raft thesis §6.4.1).</summary>
    private readonly ReadLease _lease;
    /// <summary>This leader told a peer to campaign (TimeoutNow): its lease cannot be trusted again in this term.</summary>
    private bool _leaseForfeited;
    /// <summary>The voter leadership is being handed to (thesis §3.10), while it is; and whether it was told to campaign.</summary>
    private string? _transferTarget;
    private bool _timeoutNowSent;

    /// <inheritdoc />
    public override string PersistenceId { get; }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Props for the peer <c>settings.PeerId</c>. <paramref name="peers"/> must reach every other member.
    /// </summary>
    /// <exception cref="ConfigurationException">The peer id is unset, or the peers do not match the members.</exception>
    public static Props Props(RaftSettings settings, RaftPeers peers, RaftActorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(peers);
        if (settings.PeerId.Length == 0)
            throw new ConfigurationException($"{RaftSettings.ConfigPath}.peer-id is empty: set it in HOCON or with RaftSettings.WithPeerId");
        // A joining peer may be given routes to anyone: it learns from the leader which of them are members.
        if (settings.Join) return Akka.Actor.Props.CreateBy(new Producer(settings, peers, options ?? new RaftActorOptions()));
        var others = settings.Members.Where(m => m != settings.PeerId).ToHashSet(StringComparer.Ordinal);
        var missing = others.Where(m => !peers.Ids.Contains(m)).ToArray();
        if (missing.Length > 0)
            throw new ConfigurationException($"no route to member(s) {string.Join(", ", missing)} of {RaftSettings.ConfigPath}.members");
        var strangers = peers.Ids.Where(p => !others.Contains(p)).ToArray();
        if (strangers.Length > 0)
            throw new ConfigurationException($"route(s) given for {string.Join(", ", strangers)}, which {(strangers.Contains(settings.PeerId) ? "include this peer itself or " : "")}are not other members of {RaftSettings.ConfigPath}.members");
        return Akka.Actor.Props.CreateBy(new Producer(settings, peers, options ?? new RaftActorOptions()));
    }

    /// <summary>Creates incarnations of a validated peer; the constructor is not public, so Akka's activator cannot.</summary>
    private sealed class Producer(RaftSettings settings, RaftPeers peers, RaftActorOptions options) : IIndirectActorProducer
    {
        public Type ActorType => typeof(RaftActor);
        public ActorBase Produce() => new RaftActor(settings, peers, options);
        public void Release(ActorBase actor) { }
    }

    /// <summary>
    /// Props for the peer wrapped in a supervisor that restarts it from its journal, with exponential backoff
    /// between <paramref name="minBackoff"/> and <paramref name="maxBackoff"/>, after a journal write fails, and
    /// leaves it stopped when its journal cannot be recovered (a peer never starts over with an empty log).
    /// Route the other peers to the supervisor: its reference stays valid across restarts.
    /// </summary>
    /// <exception cref="ConfigurationException">As for <see cref="Props"/>.</exception>
    public static Props SupervisedProps(RaftSettings settings, RaftPeers peers, RaftActorOptions? options = null, TimeSpan? minBackoff = null, TimeSpan? maxBackoff = null)
    {
        var peerProps = Props(settings, peers, options);
        var min = minBackoff ?? TimeSpan.FromMilliseconds(200);
        var max = maxBackoff ?? TimeSpan.FromSeconds(10);
        if (min <= TimeSpan.Zero || max < min)
            throw new ArgumentOutOfRangeException(nameof(minBackoff), $"backoff must satisfy 0 < min ({min}) <= max ({max})");
        return Akka.Actor.Props.Create(() => new RaftPeerSupervisor(peerProps, settings.PeerId, min, max));
    }

    /// <summary>The persistence id of a peer: one journal stream per (group, peer).</summary>
    public static string PersistenceIdFor(string clusterId, string peerId) => $"raft-{clusterId}-{peerId}";

    private RaftActor(RaftSettings settings, RaftPeers peers, RaftActorOptions options)
    {
        _settings = settings;
        _metrics = new PeerMetrics(settings.ClusterId, settings.PeerId);
        _lease = new ReadLease(settings.ElectionTimeoutMin, settings.Reads == ReadMode.Lease ? settings.LeaseClockDrift : TimeSpan.Zero);
        _peerDirectory = peers;
        _random = options.Random ?? new Random();
        _clock = options.Clock ?? TimeProvider.System;
        _clockOrigin = _clock.GetTimestamp();
        _asFollower = FollowerHandles;
        _asCandidate = CandidateHandles;
        _asPreCandidate = PreCandidateHandles;
        _asLeader = LeaderHandles;
        _termAt = _log.TermAt;
        _matchOf = peer => _progress.TryGetValue(peer, out var p) ? p.Match : 0;
        _completeAfterWrites = pending => Complete(pending.Step, pending.Then);
        _applyTo = options.ApplyTo;
        _id = settings.PeerId;
        _bootstrap = settings.Join
            ? Membership.None
            : Membership.Create(settings.Members.Select(m => new Member(m, m == _id ? SelfAddress() : peers.AddressOf(m))));
        _configs = new MembershipLog(_bootstrap);
        RaftExtension.Get(Context.System); // journal events go through RaftSerializer
        PersistenceId = PersistenceIdFor(settings.ClusterId, settings.PeerId);
        if (options.JournalPluginId is not null) JournalPluginId = options.JournalPluginId;
        if (options.SnapshotPluginId is not null) SnapshotPluginId = options.SnapshotPluginId;

        Recover<SnapshotOffer>(OnRecoveredSnapshot);
        Recover<HardStateChanged>(ApplyEvent);
        Recover<EntriesAppended>(ApplyEvent);
        Recover<LogTruncated>(ApplyEvent);
        Recover<RecoveryCompleted>(_ => OnRecovered());

        // Until recovery completes the persistence layer stashes every command; then a follower starts.
        Following();
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        _routes = _peerDirectory.Bind(Context);
        OnConfigurationChanged();
        RegisterMetrics();
        base.PreStart();
    }

    private void OnRecovered()
    {
        _durability.Recovered(_log.LastIndex);
        ObserveLog();
        _logger.Info("{0} recovered at term {1} with a snapshot up to {2} and log entries up to {3} (voted for {4})", _id, _currentTerm, _log.SnapshotIndex, _log.LastIndex, _votedFor ?? "nobody");
        DeliverRecoveredSnapshot();
        // Raft §5.2: every peer starts as a follower; the election timer starts only now, after recovery.
        BecomeFollower(_currentTerm, null);
        HoldVoteLeaseAtStart();
        if (_peerDirectory.ByPath)
        {
            KeepAssociations();
            Timers.StartPeriodicTimer(AssociationTimerKey, KeepAssociationsTick.Instance, TimeSpan.FromSeconds(1));
        }
    }

    /// <inheritdoc />
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _logger.Error(reason, "{0} cannot recover its Raft state from the journal: {1}. It stays stopped rather than start with an empty log", _id, reason.Message);
        Context.Parent.Tell(new RecoveryFailed(_id, reason.Message));
        base.OnRecoveryFailure(reason, message);
    }

    // ---- Messages from other peers: admission and terms, shared by every role ----

    /// <summary>
    /// Entry point of every <see cref="IRaftMessage"/> in every role: drop strangers, answer stale terms,
    /// step down on newer terms (Figure 2, "Rules for Servers: all servers"), then let the role handle it.
    /// </summary>
    private void OnRaftMessage(IRaftMessage message, Action<IRaftMessage> roleHandler)
    {
        if (WireChecks.Problem(message) is { } problem)
        {
            // Untrusted input: acting on it could wrap a term or index, or throw and restart the peer (§5.1, Figure 2).
            _logger.Warning("{0} dropped {1} from {2}: {3}", _id, message.GetType().Name, message.From ?? "(no id)", problem);
            return;
        }
        if (message.ClusterId != _settings.ClusterId)
        {
            _logger.Warning("{0} dropped {1} from {2} of cluster '{3}' (this is '{4}')", _id, message.GetType().Name, message.From, message.ClusterId, _settings.ClusterId);
            return;
        }
        if (!_routes.ContainsKey(message.From) && !LearnRoute(message))
        {
            _logger.Warning("{0} dropped {1} from '{2}', which it cannot reach: not a member of {3}", _id, message.GetType().Name, message.From, _configs.Latest);
            return;
        }
        if (QuorumActivity.LeaseIgnores(message, VoteLeaseTerm, InVoteLease))
        {
            // The vote lease (Raft thesis §9.6, check-quorum): a leader still serves; no term adopted, no answer.
            _logger.Debug("{0} ignored {1} from {2} for term {3}: it heard from leader {4} within {5}", _id, message.GetType().Name, message.From, message.Term, _leaderId, _settings.ElectionTimeoutMin);
            return;
        }
        if (message is PreVote or PreVoteResult)
        {
            OnPreVoteMessage(message, roleHandler);
            return;
        }
        if (message.Term < _currentTerm)
        {
            // A stale requester learns the newer term from our answer; stale answers are simply late.
            Carry(TermRules.AnswerStale(View, message));
            return;
        }
        if (message.Term > _currentTerm)
        {
            // Raft §5.1: a newer term makes any role a follower of that term, durably, before it answers.
            Carry(TermRules.StepDown(message));
            return;
        }
        roleHandler(message);
    }

    /// <summary>What the rules read of this peer.</summary>
    private PeerView View => new(_settings.ClusterId, _id, _currentTerm, _votedFor, _log, _commitIndex);

    /// <summary>Figure 2, RequestVote receiver, at the current term (<see cref="VoteRules"/>). The vote is durable before it is sent.</summary>
    private void HandleRequestVote(RequestVote rv)
    {
        var step = VoteRules.Answer(View, rv, out var decision);
        if (decision == VoteDecision.GrantAfterRecording)
            _logger.Info("{0} votes for {1} at term {2}", _id, rv.From, _currentTerm);
        else if (decision != VoteDecision.GrantAgain)
            _logger.Debug("{0} refused its vote to {1} at term {2} ({3}; voted for {4})", _id, rv.From, _currentTerm, decision, _votedFor ?? "nobody");
        Carry(step);
    }

    private const string AssociationTimerKey = "keep-associations";

    /// <summary>
    /// Over Akka.Remote, keeps a live association to every peer of a higher id, so it is current before an election needs
    /// it: followers do not otherwise talk to each other, and two candidates that open connections to each other at the
    /// same moment, one of them a restarted incarnation the other still holds an endpoint for, can lose their messages
    /// to each other for minutes (Akka.Remote classic). Only the lower id opens, so the two never open at once.
    /// </summary>
    private void KeepAssociations()
    {
        foreach (var peer in _others)
            if (string.CompareOrdinal(peer, _id) > 0) _routes[peer].Tell(new Identify(null), Self);
    }

    /// <summary>Sends to a peer by id. No sender goes with it: the message names its sender (<see cref="IRaftMessage.From"/>), and over Akka.Remote a sender would be one more path to encode and resolve per message.</summary>
    private void Send(string peerId, IRaftMessage message) => _routes[peerId].Tell(message, ActorRefs.NoSender);

    // ---- Messages every role answers the same way ----

    private void ReplyState() => Sender.Tell(new RaftState(_id, _currentTerm, _role, _leaderId, _log.LastIndex, _commitIndex, _lastApplied,
        _log.SnapshotIndex, PersistedLogBytes(), _snapshotState.Length) { Followers = _role == RaftRole.Leader ? FollowerContacts() : null, IsMember = _configs.Latest.Membership.Contains(_id) });

    /// <summary>
    /// Answers <see cref="AwaitJournalWrites"/> after the handlers of every write begun so far: a deferred handler runs
    /// after those, at once when none is pending (a holding write has stashed this message until it completed).
    /// </summary>
    private void AnswerOnceWritten() => DeferAsync(Sender, static asker => asker.Tell(JournalWritesDone.Instance));

    private FollowerContact[] FollowerContacts()
    {
        var now = Now;
        return _others.Select(peer => new FollowerContact(peer, now - _progress[peer].LastHeard)).ToArray();
    }

    /// <summary>
    /// Size of the Raft state the journal holds beyond the snapshot: term and vote, plus each
    /// entry not yet compacted, as the serializer encodes it (index, term, length, command).
    /// </summary>
    private long PersistedLogBytes() => 16 + _log.CommandBytes + 12L * _log.Count;

    /// <summary>Applies every committed entry not yet applied, in order (Figure 2, all servers).</summary>
    private void AdvanceCommit(long commitIndex)
    {
        if (commitIndex <= _commitIndex) return;
        _commitIndex = Math.Min(commitIndex, _log.LastIndex);
        while (_lastApplied < _commitIndex)
        {
            _lastApplied++;
            var entry = _log[_lastApplied];
            // A configuration is the peer's own business: the state machine sees its index as a no-op, so indexes stay contiguous.
            _applyTo?.Tell(new Applied(_id, entry.Index, entry.Term, entry.Kind == LogEntryKind.Command ? entry.Command : Array.Empty<byte>()), Self);
        }
        ObserveLog();
        var configurationCommitted = _configs.CommittedTo(_commitIndex);
        if (_role == RaftRole.Leader)
        {
            ProposalsCommitted();
            OnLeaderCommitted();
        } // first: the requester hears it committed, even if the leader now leaves
        if (configurationCommitted) OnConfigurationCommitted();
        ReleaseReads();
        MaybeRequestSnapshot();
    }

    // ---- Timers ----

    /// <summary>Time on <see cref="RaftActorOptions.Clock"/> since this incarnation started: monotonic, for measuring intervals only.</summary>
    private TimeSpan Now => _clock.GetElapsedTime(_clockOrigin);

    private TimeSpan NextElectionTimeout()
    {
        var min = _settings.ElectionTimeoutMin.Ticks;
        var span = _settings.ElectionTimeoutMax.Ticks - min;
        return TimeSpan.FromTicks(min + (long)(_random.NextDouble() * (span + 1)));
    }

    private void ResetElectionTimer() => Timers.StartSingleTimer(ElectionTimerKey, ElectionTimeout.Instance, NextElectionTimeout());

    // ---- Observability ----

    private void PublishIfChanged()
    {
        var now = new RaftRoleChanged(_settings.ClusterId, _id, _currentTerm, _role, _leaderId);
        if (now == _lastPublished) return;
        _lastPublished = now;
        ObserveRole();
        Context.System.EventStream.Publish(now);
    }
}
