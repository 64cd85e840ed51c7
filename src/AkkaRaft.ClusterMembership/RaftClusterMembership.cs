using Akka.Cluster;
using Akka.Configuration;

namespace AkkaRaft.ClusterMembership;

/// <summary>
/// Lets Akka.Cluster drive a Raft group's membership (<c>akka.raft.membership.mode = akka-cluster</c>). Start one beside
/// each peer, in the same ActorSystem; it acts only while its peer leads. Then each cluster member that hosts a peer
/// (it has <see cref="RaftClusterMembershipSettings.Role"/>) and is Up is added with <see cref="AddVoter"/> (as a
/// learner, brought up to date, then promoted), and each such member Removed from the cluster (left, or downed and
/// removed; never merely unreachable) is removed with <see cref="RemoveMember"/>, unless that would leave fewer voters
/// than <see cref="RaftClusterMembershipSettings.MinVoters"/>.
/// </summary>
/// <remarks>
/// A member's Raft id comes from its role <c>raft-id:&lt;id&gt;</c> (or its host and port, with
/// <c>id-from = host-port</c>), and its Raft address is its cluster address followed by
/// <see cref="RaftClusterMembershipSettings.PeerPath"/>. A peer on a member that joins later is started with
/// <c>akka.raft.join = on</c>. Changes go one at a time: each is proposed against the configuration just read from the
/// leader (compare-and-set), its answer awaited, and the membership read again; a refusal the leader may lift later is
/// retried after <see cref="RaftClusterMembershipSettings.RetryDelay"/>. A new leader's component starts by reading the
/// membership, so work a deposed leader left unfinished is picked up. Once its own member leaves the cluster the
/// component stops acting for good (as Akka.Cluster shuts down on that member it reports every other member Removed),
/// and the leader elected among the members that stay removes it. Removals are remembered from the moment the
/// component starts: a member removed from the cluster before that is not removed from the group by this component.
/// </remarks>
public sealed class RaftClusterMembership : ReceiveActor, IWithTimers
{
    private enum Waiting { Nothing, Members, Answer }

    private sealed record UpMember(string Address, UniqueAddress Incarnation);

    private sealed class Retry : INoSerializationVerificationNeeded
    {
        public static readonly Retry Instance = new();
        private Retry() { }
    }

    private sealed class AnswerTimedOut : INoSerializationVerificationNeeded
    {
        public static readonly AnswerTimedOut Instance = new();
        private AnswerTimedOut() { }
    }

    private const string RetryKey = "retry";
    private const string AnswerKey = "answer";

    private readonly IActorRef _peer;
    private readonly RaftSettings _raft;
    private readonly RaftClusterMembershipSettings _settings;
    private readonly ClusterMemberNaming _naming;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, UpMember> _up = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
    private bool _leading;
    /// <summary>This member is leaving the cluster: the members that stay decide the membership from here.</summary>
    private bool _retired;
    private Waiting _waiting;
    private string? _proposed;
    private PlannedStep.HoldRemoval? _held;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Props for the component beside <paramref name="peer"/>, the peer <c>raftSettings.PeerId</c> of group
    /// <c>raftSettings.ClusterId</c>. <paramref name="settings"/> null means <see cref="RaftClusterMembershipSettings.Create(ActorSystem)"/>.
    /// </summary>
    /// <exception cref="ConfigurationException">The mode is not akka-cluster, or the peer id is unset.</exception>
    public static Props Props(IActorRef peer, RaftSettings raftSettings, RaftClusterMembershipSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(raftSettings);
        if (raftSettings.MembershipMode != RaftMembershipMode.AkkaCluster)
            throw new ConfigurationException($"{RaftSettings.ConfigPath}.membership.mode is static: set it to akka-cluster to let Akka.Cluster drive the membership of {raftSettings.ClusterId}");
        if (raftSettings.PeerId.Length == 0)
            throw new ConfigurationException($"{RaftSettings.ConfigPath}.peer-id is empty: the component must know which peer it stands beside");
        settings?.Validated();
        return Akka.Actor.Props.CreateBy(new Producer(peer, raftSettings, settings));
    }

    /// <summary>Creates the actor; its constructor is not public, so Akka's activator cannot.</summary>
    private sealed class Producer(IActorRef peer, RaftSettings raftSettings, RaftClusterMembershipSettings? settings) : IIndirectActorProducer
    {
        public Type ActorType => typeof(RaftClusterMembership);
        public ActorBase Produce() => new RaftClusterMembership(peer, raftSettings, settings);
        public void Release(ActorBase actor) { }
    }

    private RaftClusterMembership(IActorRef peer, RaftSettings raftSettings, RaftClusterMembershipSettings? settings)
    {
        _peer = peer;
        _raft = raftSettings;
        _settings = settings ?? RaftClusterMembershipSettings.Create(Context.System);
        _naming = new ClusterMemberNaming(_settings);

        Receive<ClusterEvent.IMemberEvent>(OnMemberEvent);
        Receive<ClusterEvent.ClusterShuttingDown>(_ => Retire("its cluster extension is shutting down"));
        Receive<RaftRoleChanged>(e => e.ClusterId == _raft.ClusterId && e.PeerId == _raft.PeerId, e => SetLeading(e.Role == RaftRole.Leader));
        Receive<RaftState>(s => s.PeerId == _raft.PeerId, s => SetLeading(s.IsLeader));
        Receive<Members>(OnMembers);
        Receive<MembershipChanged>(OnChanged);
        Receive<MembershipChangeRefused>(OnRefused);
        Receive<NotLeader>(_ => OnNotLeader());
        Receive<Retry>(_ => Reconcile());
        Receive<AnswerTimedOut>(_ => OnAnswerTimedOut());
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.ClusterShuttingDown));
        Context.System.EventStream.Subscribe(Self, typeof(RaftRoleChanged));
        // The peer may lead already: role changes are published only as they happen.
        _peer.Tell(GetState.Instance, Self);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    // ---- what the cluster says ----

    private void OnMemberEvent(ClusterEvent.IMemberEvent e)
    {
        if (_retired) return;
        var member = e.Member;
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        if (cluster.IsTerminated)
        {
            Retire("its cluster extension has shut down");
            return;
        }
        if (member.UniqueAddress.Equals(cluster.SelfUniqueAddress) && e is ClusterEvent.MemberLeft or ClusterEvent.MemberExited or ClusterEvent.MemberDowned or ClusterEvent.MemberRemoved)
        {
            Retire($"this member is {member.Status}");
            return;
        }
        if (!_naming.HostsPeer(member)) return;
        if (_naming.IdOf(member) is not { } id)
        {
            _log.Warning("{0}: cluster member {1} has role '{2}' but not exactly one role '{3}<id>': it is left out of group {4}",
                _raft.PeerId, member.Address, _settings.Role, _settings.IdRolePrefix, _raft.ClusterId);
            return;
        }
        var known = _up.TryGetValue(id, out var up) ? up : null;
        switch (e)
        {
            case ClusterEvent.MemberUp:
                _up[id] = new UpMember(_naming.AddressOf(member), member.UniqueAddress);
                _removed.Remove(id);
                break;
            case ClusterEvent.MemberRemoved:
                // A newer incarnation of the same id may be Up already: only its own removal counts.
                if (known is not null && !known.Incarnation.Equals(member.UniqueAddress)) return;
                _up.Remove(id);
                _removed.Add(id);
                break;
            case ClusterEvent.MemberLeft or ClusterEvent.MemberExited:
                // On its way out: no longer added; removed once the cluster removes it.
                if (known is not null && known.Incarnation.Equals(member.UniqueAddress)) _up.Remove(id);
                break;
            default:
                return;
        }
        _log.Debug("{0}: cluster member {1} ({2}) is {3}", _raft.PeerId, id, member.Address, member.Status);
        Reconcile();
    }

    // ---- whether this component acts ----

    /// <summary>
    /// Stops acting for good. A member on its way out must not act on what its cluster extension reports as it shuts
    /// down: it publishes every other member as Removed then, and a leader still in office would remove them all.
    /// </summary>
    private void Retire(string why)
    {
        if (_retired) return;
        _retired = true;
        _log.Info("{0} no longer changes the membership of group {1}: {2}", _raft.PeerId, _raft.ClusterId, why);
        SetLeading(false);
    }

    private void SetLeading(bool leading)
    {
        if (_retired) leading = false;
        if (leading == _leading) return;
        _leading = leading;
        _waiting = Waiting.Nothing;
        _held = null;
        Timers.CancelAll();
        if (!leading) return;
        _log.Info("{0} leads group {1}: its membership follows Akka.Cluster's members from here", _raft.PeerId, _raft.ClusterId);
        Reconcile();
    }

    private void OnNotLeader()
    {
        if (_waiting == Waiting.Nothing) return;
        // Leadership moved before the role change reached this component; the event that follows sets it right.
        _waiting = Waiting.Nothing;
        Timers.Cancel(AnswerKey);
    }

    // ---- one change at a time ----

    /// <summary>Reads the leader's membership, unless this component is not leading, is waiting, or waits to retry.</summary>
    private void Reconcile()
    {
        if (!_leading || _waiting != Waiting.Nothing || Timers.IsTimerActive(RetryKey)) return;
        _waiting = Waiting.Members;
        _peer.Tell(GetMembers.Instance, Self);
        Timers.StartSingleTimer(AnswerKey, AnswerTimedOut.Instance, _settings.AnswerTimeout);
    }

    private void OnMembers(Members members)
    {
        if (_waiting != Waiting.Members) return;
        _waiting = Waiting.Nothing;
        Timers.Cancel(AnswerKey);
        if (!_leading) return;
        var up = _up.ToDictionary(kv => kv.Key, kv => kv.Value.Address, StringComparer.Ordinal);
        switch (MembershipPlan.Next(members, up, _removed, _settings.MinVoters))
        {
            case PlannedStep.Add add:
                Propose($"add voter {add.Id} at {add.Address}", new AddVoter(add.Id, add.Address, add.ExpectedConfigurationIndex));
                break;
            case PlannedStep.Remove remove:
                Propose($"remove {remove.Id}, which left the cluster", new RemoveMember(remove.Id, remove.ExpectedConfigurationIndex));
                break;
            case PlannedStep.AwaitCommit:
                Timers.StartSingleTimer(RetryKey, Retry.Instance, _settings.RetryDelay);
                break;
            case PlannedStep.HoldRemoval hold:
                if (hold != _held)
                    _log.Warning("{0} keeps {1} a voter although it left the cluster: removing it would leave {2} voters, fewer than min-voters {3}",
                        _raft.PeerId, hold.Id, hold.Voters - 1, hold.MinVoters);
                _held = hold;
                break;
            case PlannedStep.Nothing:
                _held = null;
                _log.Debug("{0}: group {1} matches the cluster ({2})", _raft.PeerId, _raft.ClusterId, members);
                break;
        }
    }

    private void Propose(string what, object request)
    {
        _held = null;
        _proposed = what;
        _waiting = Waiting.Answer;
        _log.Info("{0} proposes to {1}", _raft.PeerId, what);
        _peer.Tell(request, Self);
        Timers.StartSingleTimer(AnswerKey, AnswerTimedOut.Instance, _settings.AnswerTimeout);
    }

    private void OnChanged(MembershipChanged changed)
    {
        if (_waiting != Waiting.Answer) return;
        _waiting = Waiting.Nothing;
        Timers.Cancel(AnswerKey);
        _log.Info("{0}: done, {1}; the group is now {2}", _raft.PeerId, _proposed, changed.Members);
        Reconcile();
    }

    private void OnRefused(MembershipChangeRefused refused)
    {
        if (_waiting != Waiting.Answer) return;
        _waiting = Waiting.Nothing;
        Timers.Cancel(AnswerKey);
        switch (refused.Reason)
        {
            case MembershipRefusalReason.ConfigurationMoved or MembershipRefusalReason.AlreadyMember or MembershipRefusalReason.UnknownMember:
                // The configuration read is out of date: read it again now.
                _log.Info("{0} did not {1}: {2}", _raft.PeerId, _proposed, refused.Message);
                Reconcile();
                break;
            default:
                if (refused.Retryable) _log.Info("{0} will try again in {1} to {2}: {3}", _raft.PeerId, _settings.RetryDelay, _proposed, refused.Message);
                else _log.Warning("{0} could not {1}, trying again in {2}: {3}", _raft.PeerId, _proposed, _settings.RetryDelay, refused.Message);
                Timers.StartSingleTimer(RetryKey, Retry.Instance, _settings.RetryDelay);
                break;
        }
    }

    private void OnAnswerTimedOut()
    {
        if (_waiting == Waiting.Nothing) return;
        _log.Warning("{0} had no answer from its peer within {1} ({2}); it reads the membership again",
            _raft.PeerId, _settings.AnswerTimeout, _waiting == Waiting.Answer ? $"to {_proposed}" : "to GetMembers");
        _waiting = Waiting.Nothing;
        Reconcile();
    }
}
