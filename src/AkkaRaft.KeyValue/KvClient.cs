namespace AkkaRaft.KeyValue;

/// <summary>How a client operation ended.</summary>
public enum KvOutcome
{
    /// <summary>Done: the write was applied exactly once, or the read returned a current value.</summary>
    Ok,

    /// <summary>The deadline passed before any server confirmed the operation: a write may or may not have been applied.</summary>
    Timeout,

    /// <summary>
    /// The client's session expired before the write was confirmed (the servers keep a bounded number of sessions and
    /// evicted it): the write may or may not have been applied, and will not be applied by any retry. The client
    /// registers a fresh session for its next operation.
    /// </summary>
    SessionExpired,
}

/// <summary>The result of a <see cref="KvClient"/> operation.</summary>
/// <param name="Outcome">Whether it completed.</param>
/// <param name="Value">For a completed Get, the value (null when the key is absent).</param>
public sealed record KvResult(KvOutcome Outcome, string? Value = null)
{
    /// <summary>True when the operation completed.</summary>
    public bool IsOk => Outcome == KvOutcome.Ok;
}

/// <summary>Timing of a <see cref="KvClient"/>.</summary>
public sealed record KvClientOptions
{
    /// <summary>How long one attempt at one server may take before the client tries elsewhere.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an operation may take in all before it reports <see cref="KvOutcome.Timeout"/>.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The first pause between attempts; it doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest pause between attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>
/// A client of the replicated key-value store. It finds the leader and remembers it, follows "not leader" hints, and
/// retries with backoff until the operation succeeds or its deadline passes. Before its first write it registers a
/// session through the log (Raft thesis §6.3); every write carries that session and a sequence number, so retries are
/// applied at most once. Each client object registers its own session, so a restarted application can never be taken
/// for its earlier run. Operations run one at a time (each call waits for the one before it); use several clients for
/// concurrency. From an actor, call it and <c>PipeTo(Self)</c> the task.
/// </summary>
public sealed class KvClient
{
    private readonly IReadOnlyList<(string Id, ICanTell Server)> _servers;
    private readonly KvClientOptions _options;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private long _sessionId;
    private long _sequence;
    private long _reads;
    private int _leader;

    /// <summary>A client of the servers <paramref name="servers"/> reaches (by server id).</summary>
    public KvClient(ActorSystem system, RaftPeers servers, KvClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(servers);
        KvConfig.Inject(system); // requests and answers cross the wire through KvSerializer
        _servers = servers.Resolve(system).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)).ToArray();
        if (_servers.Count == 0) throw new ArgumentException("a client needs at least one server", nameof(servers));
        _options = options ?? new KvClientOptions();
    }

    /// <summary>The session this client's writes carry: the log index of its register entry; 0 before its first write.</summary>
    public long SessionId => Interlocked.Read(ref _sessionId);

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>.</summary>
    public Task<KvResult> PutAsync(string key, string value, CancellationToken cancellation = default) =>
        RunAsync(KvOperation.Put, key, value, cancellation);

    /// <summary>Appends <paramref name="value"/> to <paramref name="key"/>'s value.</summary>
    public Task<KvResult> AppendAsync(string key, string value, CancellationToken cancellation = default) =>
        RunAsync(KvOperation.Append, key, value, cancellation);

    /// <summary>Reads <paramref name="key"/> (null when absent), linearizably.</summary>
    public Task<KvResult> GetAsync(string key, CancellationToken cancellation = default) =>
        RunAsync(KvOperation.Get, key, "", cancellation);

    private async Task<KvResult> RunAsync(KvOperation operation, string key, string value, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        await _oneAtATime.WaitAsync(cancellation);
        try
        {
            var deadline = DateTime.UtcNow + _options.OperationTimeout;
            if (operation == KvOperation.Get)
            {
                var read = await AskUntilAnswered(new KvRequest(0, ++_reads, operation, key, value), deadline, cancellation);
                return read is { Status: KvStatus.Ok } ? new KvResult(KvOutcome.Ok, read.Value) : new KvResult(KvOutcome.Timeout);
            }
            if (_sessionId == 0)
            {
                var registered = await AskUntilAnswered(KvRegister.Instance, deadline, cancellation);
                // Without a session nothing was proposed for this write: it was not applied.
                if (registered is not { Status: KvStatus.Ok, SessionId: > 0 }) return new KvResult(KvOutcome.Timeout);
                Interlocked.Exchange(ref _sessionId, registered.SessionId);
                _sequence = 0; // Raft thesis §6.3: a new session numbers its requests from 1
            }
            var write = await AskUntilAnswered(new KvRequest(_sessionId, ++_sequence, operation, key, value), deadline, cancellation);
            switch (write?.Status)
            {
                case null:
                    return new KvResult(KvOutcome.Timeout);
                case KvStatus.SessionExpired:
                    Interlocked.Exchange(ref _sessionId, 0); // the next write registers a fresh session
                    return new KvResult(KvOutcome.SessionExpired);
                default:
                    return new KvResult(KvOutcome.Ok);
            }
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> until a server answers it with Ok or SessionExpired, following leader hints and
    /// backing off; null when <paramref name="deadline"/> passes first.
    /// </summary>
    private async Task<KvResponse?> AskUntilAnswered(IKvMessage request, DateTime deadline, CancellationToken cancellation)
    {
        var backoff = _options.MinBackoff;
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            var (id, server) = _servers[_leader];
            KvResponse? response = null;
            try
            {
                response = await server.Ask<KvResponse>(request, left < _options.AttemptTimeout ? left : _options.AttemptTimeout, cancellation);
            }
            catch (AskTimeoutException)
            {
                // No answer: the server is down or cut off. Try the next one.
            }
            switch (response?.Status)
            {
                case KvStatus.Ok or KvStatus.SessionExpired:
                    return response;
                case KvStatus.NotLeader when response.LeaderId is { } hint && hint != id && IndexOf(hint) is { } next:
                    _leader = next; // follow the hint at once
                    continue;
                case KvStatus.Retry:
                    break; // the same server may lead again; pause, then ask it again
                default:
                    _leader = (_leader + 1) % _servers.Count;
                    break;
            }
            await Task.Delay(backoff, cancellation);
            backoff = TimeSpan.FromTicks(Math.Min(_options.MaxBackoff.Ticks, backoff.Ticks * 2));
        }
    }

    private int? IndexOf(string id)
    {
        for (var i = 0; i < _servers.Count; i++)
        {
            if (_servers[i].Id == id) return i;
        }
        return null;
    }
}
