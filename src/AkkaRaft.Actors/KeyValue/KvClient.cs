namespace AkkaRaft.Actors.KeyValue;

/// <summary>How a client operation ended.</summary>
public enum KvOutcome
{
    /// <summary>Done: the write was applied exactly once, or the read returned a current value.</summary>
    Ok,

    /// <summary>The deadline passed before any server confirmed the operation: a write may or may not have been applied.</summary>
    Timeout,
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
/// retries with backoff until the operation succeeds or its deadline passes. Every write carries this client's id and
/// a sequence number, so retries are applied at most once. Operations run one at a time (each call waits for the one
/// before it); use several clients for concurrency. From an actor, call it and <c>PipeTo(Self)</c> the task.
/// </summary>
public sealed class KvClient
{
    private readonly IReadOnlyList<(string Id, ICanTell Server)> _servers;
    private readonly KvClientOptions _options;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private long _sequence;
    private int _leader;

    /// <summary>A client of the servers <paramref name="servers"/> reaches (by server id).</summary>
    public KvClient(ActorSystem system, RaftPeers servers, KvClientOptions? options = null, string? clientId = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(servers);
        Configuration.RaftConfig.Inject(system); // requests and answers cross the wire through RaftSerializer
        _servers = servers.Resolve(system).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)).ToArray();
        if (_servers.Count == 0) throw new ArgumentException("a client needs at least one server", nameof(servers));
        _options = options ?? new KvClientOptions();
        ClientId = clientId ?? Guid.NewGuid().ToString("N");
    }

    /// <summary>This client's id, carried by each of its requests.</summary>
    public string ClientId { get; }

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
            var request = new KvRequest(ClientId, ++_sequence, operation, key, value);
            var deadline = DateTime.UtcNow + _options.OperationTimeout;
            var backoff = _options.MinBackoff;
            while (true)
            {
                cancellation.ThrowIfCancellationRequested();
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return new KvResult(KvOutcome.Timeout);
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
                    case KvStatus.Ok:
                        return new KvResult(KvOutcome.Ok, response.Value);
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
        finally
        {
            _oneAtATime.Release();
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
