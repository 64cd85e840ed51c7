using Akka.Actor;
using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Persistence;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Serialization;

namespace AkkaRaft.Actors;

/// <summary>Membership changes (Raft thesis §4): one server at a time, each a configuration entry in effect once appended.</summary>
public sealed partial class RaftActor
{
    /// <summary>The change the leader appended and has not yet seen committed, and who asked for it.</summary>
    private sealed record PendingChange(long Index, MembershipChange Change, IActorRef ReplyTo, bool ThenCatchUp);

    /// <summary>A learner <see cref="AddVoter"/> is bringing up to date before it promotes it (thesis §4.2.1).</summary>
    private sealed record CatchUp(string Id, CatchUpRounds Rounds, IActorRef ReplyTo);

    private PendingChange? _pendingChange;
    private CatchUp? _catchUp;
    /// <summary>This leader committed a configuration without itself: it hands leadership over and steps down (thesis §4.2.2).</summary>
    private bool _leavingGroup;
    /// <summary>The address each route resolved from a configuration was made for, so a member that comes back elsewhere is reached there.</summary>
    private readonly Dictionary<string, string> _routeAddresses = new(StringComparer.Ordinal);
    private bool _saidNotAMember;
    /// <summary>
    /// A member the latest configuration removed, with the index of the entry that removed it and, once that entry
    /// committed while the member did not hold it, when that was first seen.
    /// </summary>
    private sealed record Departing(long RemovedAt, TimeSpan? CommittedWithoutIt = null);

    /// <summary>
    /// On a leader, members the latest configuration removed. They are still replicated to until they hold the entry
    /// that removed them, so they learn they were removed and stop campaigning; one that does not answer is given up an
    /// election timeout after the removal commits.
    /// </summary>
    private readonly Dictionary<string, Departing> _departing = new(StringComparer.Ordinal);
    /// <summary>Some configuration in this peer's log listed it: one that no longer does means it was removed, not that it waits to be added.</summary>
    private bool _wasMember;

    /// <summary>This peer's address in the initial configuration: its actor path with the system's default address.</summary>
    private string SelfAddress() =>
        Self.Path.ToStringWithAddress(((ExtendedActorSystem)Context.System).Provider.DefaultAddress);

    private Membership Configuration => _configs.Latest.Membership;

    // ---- keeping the peer's view in step with the configuration in effect ----

    /// <summary>
    /// Feeds the configuration history what an event did to the log, which has applied it already; true when the latest
    /// configuration changed.
    /// </summary>
    private bool TrackConfigurations(IRaftEvent e)
    {
        switch (e)
        {
            case EntriesAppended { Entries.Count: > 0 } a:
                // Nearly every batch holds commands alone, which the log can tell without looking at each entry.
                if (!_log.HoldsConfiguration(a.Entries[0].Index, a.Entries[^1].Index)) return false;
                foreach (var entry in a.Entries)
                    if (entry.Kind == LogEntryKind.Configuration) _configs.Appended(entry.Index, MembershipCodec.Decode(entry.Command));
                return true;
            case LogTruncated t:
                return _configs.TruncatedFrom(t.FromIndex);
            default:
                return false;
        }
    }

    /// <summary>
    /// The latest configuration changed (appended, truncated away, restored from a snapshot): recompute whom to replicate
    /// to and whose answers count, reach new members at their addresses, and, on a leader, track or forget followers.
    /// </summary>
    private void OnConfigurationChanged()
    {
        var members = Configuration;
        _otherVoters = members.OtherVoters(_id).ToArray();
        _quorumNeeded = members.Majority + (members.IsVoter(_id) ? 0 : 1);
        foreach (var id in members.Others(_id))
        {
            var address = members.AddressOf(id)!;
            if (_peerDirectory.Lists(id) || (_routeAddresses.TryGetValue(id, out var known) && known == address)) continue;
            // Not listed at start: a member that may not know this peer's address yet, so the sender goes with each message.
            _routes[id] = new WithSender(_peerDirectory.Route(Context, id, address), Self);
            _routeAddresses[id] = address;
        }
        if (_role == RaftRole.Leader)
        {
            foreach (var id in members.Others(_id))
            {
                _departing.Remove(id); // added back
                if (!_progress.ContainsKey(id)) _progress[id] = new FollowerProgress(_log.LastIndex + 1, _settings.MaxInflightMessages);
            }
            ObserveFollowers();
            foreach (var id in _progress.Keys.Where(id => !members.Contains(id) && !_departing.ContainsKey(id)).ToArray())
                _departing[id] = new Departing(_configs.Latest.Index);
        }
        ComputeReplicationTargets();
        if (!IsRecovering) _logger.Info("{0} is in configuration {1}", _id, _configs.Latest);
        if (members.Contains(_id))
        {
            _wasMember = true;
            _saidNotAMember = false;
        }
        else if (!_saidNotAMember && _configs.Latest.Index > 0)
        {
            _saidNotAMember = true;
            if (_wasMember) _logger.Warning("{0} is no longer a member of the group ({1}): it will not campaign", _id, _configs.Latest);
            else _logger.Info("{0} is not a member yet ({1}): it waits to be added", _id, _configs.Latest);
        }
    }

    /// <summary>Whom a leader replicates to: the other members, and the members removed that do not know it yet.</summary>
    private void ComputeReplicationTargets() =>
        _others = _departing.Count == 0 ? Configuration.Others(_id).ToArray() : Configuration.Others(_id).Concat(_departing.Keys).ToArray();

    /// <summary>Stops replicating to removed members that hold their removal, or that were given up on.</summary>
    private void ForgetDeparted()
    {
        if (_departing.Count == 0) return;
        var forgotten = false;
        foreach (var (id, departing) in _departing.ToArray())
        {
            var removedAt = departing.RemovedAt;
            var holdsRemoval = _progress.TryGetValue(id, out var progress) && progress.Match >= removedAt;
            var since = departing.CommittedWithoutIt;
            if (!holdsRemoval && _commitIndex >= removedAt && since is null) _departing[id] = departing with { CommittedWithoutIt = since = Now };
            var givenUp = since is { } s && Now - s >= _settings.ElectionTimeoutMax;
            if (!holdsRemoval && !givenUp) continue;
            _departing.Remove(id);
            _progress.Remove(id);
            forgotten = true;
            _logger.Info("{0} stops replicating to {1}, removed at index {2}: {3}", _id, id, removedAt, holdsRemoval ? "it holds its removal" : "it did not answer");
        }
        if (!forgotten) return;
        ComputeReplicationTargets();
        ObserveFollowers();
    }

    /// <summary>
    /// A leader's message from a peer with no route, to a peer its own configuration does not list (one waiting to be
    /// added): answerable only through its sender, which a leader sends with to members it was not given a route for.
    /// A member keeps dropping strangers: whoever leads its group is in its configuration.
    /// </summary>
    private bool LearnRoute(IRaftMessage message)
    {
        if (message is not (AppendEntries or InstallSnapshot) || Configuration.Contains(_id)) return false;
        if (Sender is null || Sender.IsNobody() || Equals(Sender, Context.System.DeadLetters)) return false;
        _routes[message.From] = Sender;
        return true;
    }

    /// <summary>Whether this peer may start an election: only a voter of its latest configuration does (thesis §4.2.1, §4.2.2).</summary>
    private bool MayCampaign()
    {
        if (Configuration.IsVoter(_id)) return true;
        _logger.Debug("{0} does not campaign: it is not a voter of {1}", _id, _configs.Latest);
        ResetElectionTimer(); // once promoted it must be able to take over a failed leader
        return false;
    }

    /// <summary>A newer configuration committed.</summary>
    private void OnConfigurationCommitted()
    {
        if (_role != RaftRole.Leader || Configuration.IsVoter(_id) || _leavingGroup) return;
        // Thesis §4.2.2: the leader led the change without counting itself; now it hands over and steps down.
        _leavingGroup = true;
        _logger.Info("{0} is not a voter of the committed configuration {1}: it hands leadership over and steps down", _id, _configs.Latest);
        if (_otherVoters.Length == 0 || !StartTransfer(null, null)) LeaveLeadership();
    }

    /// <summary>A removed leader steps down; it never campaigns again unless added back.</summary>
    private void LeaveLeadership()
    {
        _logger.Info("{0} steps down at term {1}: it is no longer a voter", _id, _currentTerm);
        BecomeFollower(_currentTerm, null);
    }

    /// <summary>After the commit index moved on a leader: answer the change it committed, and go on with a voter's addition.</summary>
    private void OnLeaderCommitted()
    {
        if (_pendingChange is not { } pending || _commitIndex < pending.Index) return;
        _pendingChange = null;
        CountMembershipChange(KindOf(pending.Change), "committed");
        if (pending.ThenCatchUp)
        {
            StartCatchUp(pending.Change.Id, pending.ReplyTo);
            return;
        }
        _logger.Info("{0} committed '{1}' at index {2}", _id, pending.Change.Describe(), pending.Index);
        pending.ReplyTo.Tell(new MembershipChanged(_id, pending.Index, MembersAt(_configs.At(pending.Index))), Self);
    }

    // ---- requests ----

    /// <summary>Membership requests a leader handles.</summary>
    private void LeaderMembershipCommands()
    {
        Command<AddLearner>(m => ProposeChange(new AddLearnerChange(m.Id, m.Address, m.ExpectedConfigurationIndex), Sender));
        Command<PromoteLearner>(m => ProposeChange(new PromoteLearnerChange(m.Id, m.ExpectedConfigurationIndex), Sender));
        Command<RemoveMember>(m => ProposeChange(new RemoveMemberChange(m.Id, m.ExpectedConfigurationIndex), Sender));
        Command<AddVoter>(OnAddVoter);
        Command<GetMembers>(_ => ReplyMembers());
    }

    /// <summary>Membership requests any other role answers: changes go to the leader; anyone says whom it knows.</summary>
    private void NotLeadingMembershipCommands()
    {
        Command<AddLearner>(_ => Sender.Tell(new NotLeader(_id, _leaderId)));
        Command<AddVoter>(_ => Sender.Tell(new NotLeader(_id, _leaderId)));
        Command<PromoteLearner>(_ => Sender.Tell(new NotLeader(_id, _leaderId)));
        Command<RemoveMember>(_ => Sender.Tell(new NotLeader(_id, _leaderId)));
        Command<GetMembers>(_ => ReplyMembers());
    }

    private void OnAddVoter(AddVoter request)
    {
        var latest = _configs.Latest;
        if (latest.Membership.IsVoter(request.Id ?? ""))
        {
            Refuse(Sender, "add_voter", MembershipRefusalReason.AlreadyMember, $"cannot add voter {request.Id}: it is a voter already");
            return;
        }
        if (!latest.Membership.IsLearner(request.Id ?? ""))
        {
            ProposeChange(new AddLearnerChange(request.Id!, request.Address, request.ExpectedConfigurationIndex), Sender, thenCatchUp: true);
            return;
        }
        // Already a learner: only the catch-up and the promotion are left, under the same conditions as a change.
        if (BusyReason(latest.Index, request.ExpectedConfigurationIndex, $"add voter {request.Id}") is { } busy)
        {
            Refuse(Sender, "add_voter", busy.Reason, busy.Message);
            return;
        }
        StartCatchUp(request.Id!, Sender);
    }

    /// <summary>Why a change cannot start now, beyond what <see cref="MembershipRules"/> checks, or null.</summary>
    private MembershipRefusal? BusyReason(long latestIndex, long? expected, string what)
    {
        if (_transferTarget is { } target)
            return new(MembershipRefusalReason.TransferInProgress, $"cannot {what}: leadership is being handed to {target}");
        if (_catchUp is { } c)
            return new(MembershipRefusalReason.ChangeInProgress, $"cannot {what}: learner {c.Id} is catching up to be promoted");
        if (_pendingChange is { } p)
            return new(MembershipRefusalReason.ChangeInProgress, $"cannot {what}: '{p.Change.Describe()}' at index {p.Index} is not committed yet");
        if (expected is { } e && e != latestIndex)
            return new(MembershipRefusalReason.ConfigurationMoved, $"cannot {what}: expected the configuration of index {e}, but the one in effect is of index {latestIndex}");
        return null;
    }

    /// <summary>Appends the configuration <paramref name="change"/> makes, or answers why not.</summary>
    private void ProposeChange(MembershipChange change, IActorRef replyTo, bool thenCatchUp = false)
    {
        var refusal = BusyReason(_configs.Latest.Index, change.ExpectedIndex, change.Describe());
        Membership? next = null;
        if (refusal is null) (next, refusal) = MembershipRules.Propose(_configs, _currentTerm, _termAt, change);
        if (refusal is not null)
        {
            _logger.Info("{0} refused to {1}: {2}", _id, change.Describe(), refusal.Message);
            Refuse(replyTo, thenCatchUp ? "add_voter" : KindOf(change), refusal.Reason, refusal.Message);
            return;
        }
        var entry = new LogEntry(_log.LastIndex + _proposed.Count + 1, _currentTerm, MembershipCodec.Encode(next!)) { Kind = LogEntryKind.Configuration };
        _proposed.Add(entry);
        _pendingChange = new PendingChange(entry.Index, change, replyTo, thenCatchUp);
        _logger.Info("{0} appends '{1}' at index {2}: {3}", _id, change.Describe(), entry.Index, next);
        Flush(); // in effect from its append (thesis §4.1), so the next request sees it
    }

    private void Refuse(IActorRef replyTo, string change, MembershipRefusalReason reason, string message)
    {
        CountMembershipChange(change, "refused");
        replyTo.Tell(new MembershipChangeRefused(_id, reason, message), Self);
    }

    // ---- a learner's catch-up before promotion (thesis §4.2.1) ----

    private void StartCatchUp(string id, IActorRef replyTo)
    {
        _catchUp = new CatchUp(id, new CatchUpRounds(_settings.ElectionTimeoutMin, _settings.CatchUpRounds, _log.LastIndex, Now), replyTo);
        _logger.Info("{0} brings learner {1} up to date before promoting it (log up to {2})", _id, id, _log.LastIndex);
        ObserveCatchUp();
    }

    /// <summary>On each answer from the learner and each heartbeat: promote it once a round ended in time, or give up.</summary>
    private void ObserveCatchUp()
    {
        if (_catchUp is not { } c) return;
        if (!_progress.TryGetValue(c.Id, out var progress))
        {
            _catchUp = null;
            Refuse(c.ReplyTo, "add_voter", MembershipRefusalReason.UnknownMember, $"cannot add voter {c.Id}: it is no longer a member ({_configs.Latest})");
            return;
        }
        switch (c.Rounds.Observe(progress.Match, _log.LastIndex, Now, progress.LastHeard))
        {
            case CatchUpState.CaughtUp:
                _catchUp = null;
                _logger.Info("{0}: learner {1} caught up in round {2}; promoting it", _id, c.Id, c.Rounds.Round);
                ProposeChange(new PromoteLearnerChange(c.Id, _configs.Latest.Index), c.ReplyTo);
                break;
            case CatchUpState.DidNotCatchUp:
                _catchUp = null;
                Refuse(c.ReplyTo, "add_voter", MembershipRefusalReason.NotCaughtUp,
                    $"learner {c.Id} did not catch up in {c.Rounds.MaxRounds} rounds of at most {(long)_settings.ElectionTimeoutMin.TotalMilliseconds} ms (holds {progress.Match} of {_log.LastIndex}); it stays a learner");
                break;
            case CatchUpState.Unavailable:
                _catchUp = null;
                Refuse(c.ReplyTo, "add_voter", MembershipRefusalReason.NotCaughtUp,
                    $"learner {c.Id} did not answer for {(long)_settings.ElectionTimeoutMin.TotalMilliseconds} ms (holds {progress.Match} of {_log.LastIndex}); it stays a learner");
                break;
        }
    }

    /// <summary>Leadership ended: whatever change was under way has an unknown outcome for its requester.</summary>
    private void AbandonMembershipWork()
    {
        if (_pendingChange is { } p)
            Refuse(p.ReplyTo, p.ThenCatchUp ? "add_voter" : KindOf(p.Change), MembershipRefusalReason.LeadershipLost,
                $"'{p.Change.Describe()}' appended at index {p.Index} was not committed before {_id} stopped leading; it may still take effect: look with GetMembers");
        if (_catchUp is { } c)
            Refuse(c.ReplyTo, "add_voter", MembershipRefusalReason.LeadershipLost, $"{_id} stopped leading while learner {c.Id} was catching up; it stays a learner");
        _pendingChange = null;
        _catchUp = null;
        _leavingGroup = false;
        _departing.Clear();
        ComputeReplicationTargets();
    }

    // ---- answers ----

    private void ReplyMembers() => Sender.Tell(MembersAt(_configs.Latest), Self);

    private Members MembersAt(ConfigurationEntry configuration)
    {
        var m = configuration.Membership;
        var leading = _role == RaftRole.Leader;
        MemberInfo Info(Member member, bool voter) => new(member.Id, member.Address, voter,
            !leading ? null : member.Id == _id ? _log.LastIndex : _progress.TryGetValue(member.Id, out var p) ? p.Match : 0);
        return new Members(_id, _leaderId, configuration.Index, configuration.Index <= _commitIndex, _log.LastIndex,
            m.Voters.Select(v => Info(v, true)).Concat(m.Learners.Select(l => Info(l, false))).ToArray());
    }

    /// <summary>A route that always names this peer as the sender, for members that may not know its address.</summary>
    private sealed class WithSender(ICanTell route, IActorRef self) : ICanTell
    {
        public void Tell(object message, IActorRef sender) => route.Tell(message, self);
    }
}
