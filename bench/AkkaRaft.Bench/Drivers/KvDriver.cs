using System.Diagnostics;
using System.Globalization;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Bench;

/// <summary>
/// All the simulated clients of one key-value run in one actor, talking to the leader's <see cref="KvServer"/>
/// directly: client <c>i</c> (own key <c>k{i}</c>) first registers a session of its own (Raft thesis §6.3; before the
/// first row, outside any measurement), then has one request outstanding at a time, with sequence numbers that only
/// grow, and sends the next as soon as the last is answered. No Ask, Task, timer or
/// <see cref="KvClient"/> per request: the cost per operation is the server's. As a client that runs many sessions
/// would, the driver sends the requests it has ready together as one <see cref="KvRequests"/> (the server answers
/// those together as <see cref="KvResponses"/>), unless the row asks for one message per request. A row's operation is Put (a 64-byte
/// value to the client's own key) or Get (of that key, which the Put row wrote); every Get is checked against the
/// client's last acknowledged Put, and any answer other than Ok (an election, a refused read) fails the row.
/// </summary>
internal sealed class KvDriver : MeasuringDriver
{
    /// <summary>Size of every value put.</summary>
    public const int ValueBytes = 64;

    private IActorRef _leader = ActorRefs.Nobody;
    private KvOperation _operation;
    private string[] _ids = [];
    private long[] _sessions = [];
    private string[] _keys = [];
    private long[] _sequence = [];
    private long[] _sentAt = [];
    private bool[] _busy = [];

    /// <summary>Per client, the value of its outstanding Put (null when its outstanding request, if any, is a Get).</summary>
    private string?[] _putting = [];

    /// <summary>Per client, the value of its last acknowledged Put: what a linearizable Get of its key must return.</summary>
    private string?[] _written = [];

    private readonly Dictionary<long, int> _clientIndex = new();

    /// <summary>Whether requests ready together leave as one <see cref="KvRequests"/>; and, while they are being made, those requests.</summary>
    private bool _batch;
    private List<KvRequest>? _ready;

    /// <summary>The first row's start, waiting for every client's session; and how many registrations are outstanding.</summary>
    private (StartKv Start, IActorRef ReplyTo)? _starting;
    private int _registering;

    public KvDriver()
    {
        Receive<StartKv>(OnStart);
        Receive<KvResponse>(r => SendingTogether(() => OnResponse(r)));
        Receive<KvResponses>(batch => SendingTogether(() =>
        {
            foreach (var response in batch.Responses) OnResponse(response);
        }));
    }

    private void OnStart(StartKv start)
    {
        if (_ids.Length == 0)
        {
            CreateClients(start.Clients);
            // Register every client's session at once (the leader batches them into few log writes), then start.
            _starting = (start, Sender);
            _registering = start.Clients;
            for (var i = 0; i < start.Clients; i++) start.Leader.Tell(KvRegister.Instance, Self);
            return;
        }
        if (_ids.Length != start.Clients) throw new InvalidOperationException($"this driver runs {_ids.Length} clients, not {start.Clients}");
        if (start.Operation == KvOperation.Get && Enumerable.Range(0, _ids.Length).FirstOrDefault(i => _written[i] is null && _putting[i] is null, -1) is var unwritten and >= 0)
        {
            Sender.Tell(new Status.Failure(new InvalidOperationException($"client c{unwritten} has written nothing yet: a Get row must follow a Put row")));
            return;
        }
        Run(start, Sender);
    }

    private void Run(StartKv start, IActorRef replyTo)
    {
        _leader = start.Leader;
        _operation = start.Operation;
        _batch = start.Batch;
        Resume();
        // A client still waiting for its last request of the previous row sends its first one of this row when answered.
        SendingTogether(() =>
        {
            for (var i = 0; i < _ids.Length; i++)
            {
                if (!_busy[i]) SendNext(i);
            }
        });
        replyTo.Tell(Done.Instance);
    }

    /// <summary>A session for the next client without one; the clients are alike, so any order will do.</summary>
    private void OnRegistered(KvResponse response)
    {
        var (start, replyTo) = _starting!.Value;
        if (response.Status != KvStatus.Ok)
        {
            _starting = null;
            _registering = 0;
            replyTo.Tell(new Status.Failure(new InvalidOperationException($"registering a client session was answered {response.Status} (leader known: {response.LeaderId ?? "none"})")));
            return;
        }
        var client = _ids.Length - _registering--;
        _sessions[client] = response.SessionId;
        _clientIndex[response.SessionId] = client;
        if (_registering > 0) return;
        _starting = null;
        Run(start, replyTo);
    }

    private void CreateClients(int clients)
    {
        _ids = new string[clients];
        _sessions = new long[clients];
        _keys = new string[clients];
        _sequence = new long[clients];
        _sentAt = new long[clients];
        _busy = new bool[clients];
        _putting = new string?[clients];
        _written = new string?[clients];
        for (var i = 0; i < clients; i++)
        {
            _ids[i] = string.Create(CultureInfo.InvariantCulture, $"c{i}");
            _keys[i] = string.Create(CultureInfo.InvariantCulture, $"k{i}");
        }
    }

    private void SendNext(int client)
    {
        var sequence = ++_sequence[client];
        // A fresh value each time, so a stale read shows: the client and sequence, padded to the value size.
        var value = _operation == KvOperation.Put
            ? string.Create(CultureInfo.InvariantCulture, $"{_ids[client]}:{sequence}:").PadRight(ValueBytes, 'v')
            : null;
        _putting[client] = value;
        _busy[client] = true;
        _sentAt[client] = Stopwatch.GetTimestamp();
        var request = new KvRequest(_sessions[client], sequence, _operation, _keys[client], value ?? "");
        if (_ready is { } ready) ready.Add(request);
        else _leader.Tell(request, Self);
    }

    /// <summary>Runs <paramref name="handle"/>, then sends the requests it made ready as one message when the row batches.</summary>
    private void SendingTogether(Action handle)
    {
        if (!_batch)
        {
            handle();
            return;
        }
        _ready = [];
        try
        {
            handle();
        }
        finally
        {
            var ready = _ready;
            _ready = null;
            for (var i = 0; i < ready.Count; i += KvRequests.MaxCount)
            {
                var count = Math.Min(KvRequests.MaxCount, ready.Count - i);
                _leader.Tell(count == 1 ? ready[i] : new KvRequests(ready.GetRange(i, count).ToArray()), Self);
            }
        }
    }

    private void OnResponse(KvResponse response)
    {
        var now = Stopwatch.GetTimestamp();
        if (_registering > 0 && response.Sequence == 0)
        {
            OnRegistered(response);
            return;
        }
        if (!_clientIndex.TryGetValue(response.SessionId, out var client) || !_busy[client] || response.Sequence != _sequence[client])
        {
            Fail($"an answer to session {response.SessionId}'s request {response.Sequence}, which is not outstanding");
            return;
        }
        _busy[client] = false;
        if (response.Status != KvStatus.Ok)
        {
            Fail($"{_ids[client]}'s request {response.Sequence} was answered {response.Status} (leader known: {response.LeaderId ?? "none"})");
            return;
        }
        if (_putting[client] is { } put)
        {
            _written[client] = put;
            _putting[client] = null;
        }
        else if (response.Value != _written[client])
        {
            Fail($"{_ids[client]} read '{response.Value ?? "(absent)"}' from {_keys[client]}, not its last write '{_written[client]}'");
            return;
        }
        Record(_sentAt[client], now);
        if (!Stopped) SendNext(client);
    }
}

/// <summary>
/// Start (or switch) <see cref="Clients"/> simulated clients issuing <see cref="Operation"/> against <see cref="Leader"/>,
/// the leader's key-value server; answered with <see cref="Done"/>. With <see cref="Batch"/>, requests the driver has
/// ready together leave as one <see cref="KvRequests"/>.
/// </summary>
internal sealed record StartKv(IActorRef Leader, KvOperation Operation, int Clients, bool Batch = true);

/// <summary>The request was carried out.</summary>
internal sealed class Done
{
    public static readonly Done Instance = new();
    private Done() { }
}
