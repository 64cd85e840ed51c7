using System.Diagnostics;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Metrics;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.KeyValue;

/// <summary>
/// One server of the replicated key-value store: the endpoint clients and the other servers talk to. It runs its Raft
/// peer as a supervised child and is that peer's apply target (its state machine). Writes go through the log and are
/// answered once applied; reads go through ReadIndex (Raft thesis §6.4) and are answered from the state machine once
/// the leader has confirmed its leadership and applied up to the read point. Route the other servers' peers to this
/// actor: it forwards Raft traffic to its peer. Snapshots follow <c>akka.raft.snapshot</c> (<c>log-bytes</c> bounds the
/// persisted Raft state). Writes need a client session, registered through the log (Raft thesis §6.3); see
/// <see cref="KvRegister"/> and <see cref="KvServerOptions.MaxSessions"/>.
/// </summary>
public sealed class KvServer : ReceiveActor
{
    private readonly string _clusterId;
    private readonly string _id;
    private readonly IActorRef _raft;
    private readonly KvState _state = new();
    private readonly KvServerOptions _kvOptions;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Writes proposed and not yet applied, by (session, sequence): answered when applied.</summary>
    private readonly Dictionary<(long Session, long Sequence), (IActorRef Client, KvOperation Operation, bool Batched)> _pendingWrites = new();

    /// <summary>The group and node tags of this server's metrics (<see cref="RaftMetrics"/>).</summary>
    private readonly KeyValuePair<string, object?>[] _metricTags;

    /// <summary>Registrations proposed and not yet applied, by the nonce in their register entry.</summary>
    private readonly Dictionary<long, IActorRef> _pendingRegisters = new();

    /// <summary>Reads waiting for ReadIndex, by request id.</summary>
    private readonly Dictionary<long, (IActorRef Client, KvRequest Request, bool Batched)> _pendingReads = new();

    /// <summary>
    /// Answers to requests that came in a <see cref="KvRequests"/>, by sender, until the <see cref="FlushAnswers"/> this
    /// server sent itself arrives: answers made ready by the messages already in the mailbox (an apply of many entries)
    /// then leave as one message per sender.
    /// </summary>
    private readonly Dictionary<IActorRef, List<KvResponse>> _outbox = new();
    private bool _flushPending;

    private long _nextReadId;
    private bool _isLeader;
    private string? _leaderId;
    private long _lastApplied;

    /// <summary>Props of a server for <c>settings.PeerId</c>; <paramref name="peers"/> routes to the other servers.</summary>
    /// <exception cref="Akka.Configuration.ConfigurationException">As <see cref="RaftActor.Props"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value of <paramref name="kvOptions"/> is out of range.</exception>
    public static Props Props(RaftSettings settings, RaftPeers peers, RaftActorOptions? options = null, KvServerOptions? kvOptions = null)
    {
        // Validate now, in the caller, rather than in the child.
        RaftActor.Props(settings, peers, options);
        kvOptions ??= new KvServerOptions();
        kvOptions.Validate();
        return Akka.Actor.Props.Create(() => new KvServer(settings, peers, options ?? new RaftActorOptions(), kvOptions));
    }

    /// <summary>Used by <see cref="Props"/>; create servers through it.</summary>
    public KvServer(RaftSettings settings, RaftPeers peers, RaftActorOptions options, KvServerOptions kvOptions)
    {
        kvOptions.Validate();
        _kvOptions = kvOptions;
        KvConfig.Inject(Context.System); // client requests arrive through KvSerializer
        _clusterId = settings.ClusterId;
        _id = settings.PeerId;
        _metricTags = [new(RaftMetrics.GroupTag, _clusterId), new(RaftMetrics.NodeTag, _id)];
        _raft = Context.Watch(Context.ActorOf(RaftActor.SupervisedProps(settings, peers, options with { ApplyTo = Self }), "raft"));
        Context.System.EventStream.Subscribe(Self, typeof(RaftRoleChanged));

        Receive<IRaftMessage>(m => _raft.Forward(m));
        Receive<GetState>(m => _raft.Forward(m));
        Receive<KvRequest>(r => OnRequest(r, Sender, batched: false));
        Receive<KvRequests>(OnRequests);
        Receive<FlushAnswers>(_ => Flush());
        Receive<KvRegister>(_ => OnRegister());
        Receive<Applied>(OnApplied);
        Receive<SnapshotInstalled>(OnSnapshotInstalled);
        Receive<SnapshotRequested>(_ => TakeSnapshot(Sender));
        Receive<ReadIndexReady>(OnReadReady);
        Receive<ReadIndexRejected>(r => AnswerRead(r.RequestId, KvStatus.NotLeader, null, r.LeaderId));
        Receive<RaftRoleChanged>(c => c.ClusterId == _clusterId && c.PeerId == _id, OnRoleChanged);
        Receive<ProposeAccepted>(_ => { }); // the answer comes with Applied
        Receive<NotLeader>(_ => { });       // leadership moved; the RaftRoleChanged that says so fails the pending writes
        Receive<TransferInProgress>(OnProposalRefused);
        Receive<TransferLeadership>(m => _raft.Forward(m));
        Receive<AddLearner>(m => _raft.Forward(m));
        Receive<AddVoter>(m => _raft.Forward(m));
        Receive<PromoteLearner>(m => _raft.Forward(m));
        Receive<RemoveMember>(m => _raft.Forward(m));
        Receive<GetMembers>(m => _raft.Forward(m));
        Receive<Terminated>(t => t.ActorRef.Equals(_raft), _ =>
        {
            // The supervisor gives up only when the journal cannot be recovered; a server without its peer would
            // answer nothing, so it stops too and whoever watches it (the Host's node) can say so and exit.
            _log.Error("{0} stops: its Raft peer stopped for good", _id);
            Context.Stop(Self);
        });
    }

    /// <inheritdoc />
    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void OnRegister()
    {
        if (!_isLeader)
        {
            Answer(Sender, Register, new KvResponse(0, 0, KvStatus.NotLeader, LeaderId: _leaderId));
            return;
        }
        // The nonce only finds this client again when the entry is applied; the session id is the entry's index.
        long nonce;
        do nonce = Random.Shared.NextInt64(); while (_pendingRegisters.ContainsKey(nonce));
        _pendingRegisters[nonce] = Sender;
        _raft.Tell(new Propose(new KvRegisterCommand(_kvOptions.MaxSessions, nonce).Encode()));
    }

    private void OnRequests(KvRequests batch)
    {
        if (batch.Requests is not { Count: <= KvRequests.MaxCount } requests)
        {
            _log.Warning("{0} dropped a batch of {1} requests: at most {2} are accepted", _id, batch.Requests?.Count, KvRequests.MaxCount);
            return;
        }
        for (var i = 0; i < requests.Count; i++)
        {
            if (requests[i] is { } request) OnRequest(request, Sender, batched: true);
        }
    }

    private void OnRequest(KvRequest request, IActorRef client, bool batched)
    {
        if (request.Operation == KvOperation.Get)
        {
            if (!_isLeader)
            {
                Answer(client, request.Operation, new KvResponse(request.SessionId, request.Sequence, KvStatus.NotLeader, LeaderId: _leaderId), batched);
                return;
            }
            var id = ++_nextReadId;
            _pendingReads[id] = (client, request, batched);
            _raft.Tell(new ReadIndex(id));
            return;
        }
        if (request.SessionId < 1 || request.Sequence < 1)
        {
            _log.Warning("{0} dropped a {1} in session {2} with sequence {3}: both must be at least 1", _id, request.Operation, request.SessionId, request.Sequence);
            return;
        }
        // Raft thesis §6.3: a retry of a write the table shows applied is answered at once. Anything else, an unknown
        // session included, goes through the log and is decided when applied: a freshly elected leader may not have
        // applied the register entry yet, so "unknown" here does not mean expired.
        if (_state.IsApplied(request.SessionId, request.Sequence))
        {
            KvInstruments.DedupHits.Add(1, _metricTags);
            Answer(client, request.Operation, new KvResponse(request.SessionId, request.Sequence, KvStatus.Ok), batched);
            return;
        }
        if (!_isLeader)
        {
            Answer(client, request.Operation, new KvResponse(request.SessionId, request.Sequence, KvStatus.NotLeader, LeaderId: _leaderId), batched);
            return;
        }
        _pendingWrites[(request.SessionId, request.Sequence)] = (client, request.Operation, batched);
        _raft.Tell(new Propose(new KvWriteCommand(request.SessionId, request.Sequence, request.Operation, request.Key, request.Value).Encode()));
    }

    /// <summary>Leadership is being handed over and the peer did not append the proposal: its client retries it.</summary>
    private void OnProposalRefused(TransferInProgress refused)
    {
        switch (KvCommand.Decode(refused.Proposal.Command))
        {
            case KvRegisterCommand register when _pendingRegisters.Remove(register.Nonce, out var client):
                Answer(client, Register, new KvResponse(0, 0, KvStatus.Retry));
                break;
            case KvWriteCommand write when _pendingWrites.Remove((write.SessionId, write.Sequence), out var pending):
                Answer(pending.Client, pending.Operation, new KvResponse(write.SessionId, write.Sequence, KvStatus.Retry), pending.Batched);
                break;
        }
    }

    private void OnApplied(Applied applied)
    {
        // A peer restarted by its supervisor applies again from its snapshot, or from index 1, to this same state:
        // what is already applied here is not applied twice (a register would be registered twice).
        if (applied.Index <= _lastApplied) return;
        _lastApplied = applied.Index;
        var startedAt = KvInstruments.ApplyDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        if (KvCommand.Decode(applied.Command) is not { } command) return; // a leader's no-op
        var outcome = _state.Apply(command, applied.Index);
        switch (command)
        {
            case KvRegisterCommand register when _pendingRegisters.Remove(register.Nonce, out var client):
                Answer(client, Register, new KvResponse(applied.Index, 0, KvStatus.Ok));
                break;
            case KvWriteCommand write when _pendingWrites.Remove((write.SessionId, write.Sequence), out var pending):
                // A duplicate changes nothing, but its client still hears Ok: the first copy was applied.
                if (outcome == KvApplyOutcome.Duplicate) KvInstruments.DedupHits.Add(1, _metricTags);
                var status = outcome == KvApplyOutcome.SessionExpired ? KvStatus.SessionExpired : KvStatus.Ok;
                Answer(pending.Client, pending.Operation, new KvResponse(write.SessionId, write.Sequence, status), pending.Batched);
                break;
        }
        if (startedAt != 0) KvInstruments.ApplyDuration.Record(RaftInstruments.SecondsSince(startedAt), _metricTags);
    }

    /// <summary>
    /// Captures the state as applied now and encodes it on a pool thread: encoding a large store takes a while (about
    /// 0.2 s for a million keys), and the Host's node runs its Raft peer's heartbeats on this actor's thread.
    /// </summary>
    private void TakeSnapshot(IActorRef peer)
    {
        var index = _lastApplied;
        var captured = _state.Capture();
        Task.Run(() => new Snapshot(index, captured.ToSnapshot())).PipeTo(peer, Self);
    }

    private void OnSnapshotInstalled(SnapshotInstalled installed)
    {
        try
        {
            _state.Restore(installed.State);
        }
        catch (InvalidDataException e)
        {
            // Applying later entries on top of a wrong state would diverge silently: fail loudly instead.
            _log.Error("{0} received a snapshot at {1} it cannot decode: {2}", _id, installed.Index, e.Message);
            throw;
        }
        _lastApplied = installed.Index;
    }

    private void OnReadReady(ReadIndexReady ready)
    {
        if (_pendingReads.TryGetValue(ready.RequestId, out var pending))
            AnswerRead(ready.RequestId, KvStatus.Ok, _state.Get(pending.Request.Key), null);
    }

    private void AnswerRead(long id, KvStatus status, string? value, string? leaderId)
    {
        if (!_pendingReads.Remove(id, out var pending)) return;
        Answer(pending.Client, KvOperation.Get, new KvResponse(pending.Request.SessionId, pending.Request.Sequence, status, value, leaderId), pending.Batched);
    }

    private void OnRoleChanged(RaftRoleChanged change)
    {
        _leaderId = change.LeaderId;
        var wasLeader = _isLeader;
        _isLeader = change.Role == RaftRole.Leader;
        if (!wasLeader || _isLeader) return;
        // Deposed: what was proposed may or may not commit; the clients retry, and the sessions keep it exactly-once.
        foreach (var ((session, sequence), pending) in _pendingWrites)
            Answer(pending.Client, pending.Operation, new KvResponse(session, sequence, KvStatus.Retry, LeaderId: change.LeaderId), pending.Batched);
        _pendingWrites.Clear();
        foreach (var replyTo in _pendingRegisters.Values)
            Answer(replyTo, Register, new KvResponse(0, 0, KvStatus.Retry, LeaderId: change.LeaderId));
        _pendingRegisters.Clear();
        foreach (var id in _pendingReads.Keys.ToArray())
            AnswerRead(id, KvStatus.NotLeader, null, change.LeaderId);
    }

    /// <summary>A session registration, for the request metric (it is no <see cref="KvOperation"/>).</summary>
    private static readonly KvOperation? Register = null;

    /// <summary>
    /// Answers a client and counts the request by operation and result (<c>raft.kv.requests</c>); an answer to a request
    /// that came in a batch waits in the outbox for the next <see cref="Flush"/>.
    /// </summary>
    private void Answer(IActorRef client, KvOperation? operation, KvResponse response, bool batched = false)
    {
        if (KvInstruments.Requests.Enabled)
            KvInstruments.Requests.Add(1, new TagList(_metricTags)
            {
                { KvInstruments.Operation, operation switch { KvOperation.Get => "get", KvOperation.Put => "put", KvOperation.Append => "append", _ => "register" } },
                { KvInstruments.Result, response.Status switch { KvStatus.Ok => "ok", KvStatus.NotLeader => "not_leader", KvStatus.Retry => "retry", _ => "session_expired" } },
            });
        if (!batched)
        {
            client.Tell(response);
            return;
        }
        if (!_outbox.TryGetValue(client, out var answers)) _outbox[client] = answers = [];
        answers.Add(response);
        if (_flushPending) return;
        _flushPending = true;
        Self.Tell(FlushAnswers.Instance); // behind the messages already queued: their answers leave with these
    }

    /// <summary>Sends each sender its waiting answers, one message per <see cref="KvAnswerBatches.Split"/> part.</summary>
    private void Flush()
    {
        _flushPending = false;
        foreach (var (client, answers) in _outbox)
        {
            if (answers.Count == 1) client.Tell(answers[0]);
            else foreach (var part in KvAnswerBatches.Split(answers)) client.Tell(part.Length == 1 ? part[0] : new KvResponses(part));
        }
        _outbox.Clear();
    }

    /// <summary>Sent by a server to itself to send the answers its outbox holds.</summary>
    private sealed class FlushAnswers
    {
        public static readonly FlushAnswers Instance = new();
    }
}
