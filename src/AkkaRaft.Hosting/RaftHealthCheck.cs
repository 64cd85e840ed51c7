using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AkkaRaft.Hosting;

/// <summary>Thresholds of the Raft health check.</summary>
public sealed record RaftHealthCheckOptions
{
    /// <summary>
    /// Election timeouts (<c>akka.raft.election-timeout-max</c> each) without a known leader after which the peer is
    /// Unhealthy; before then it is Degraded, an election being under way. At least 1; 3 by default.
    /// </summary>
    public int UnhealthyAfterElectionTimeouts { get; init; } = 3;

    /// <summary>
    /// Committed entries not yet applied beyond which the peer is Degraded, its state machine catching up. At least 0;
    /// 1000 by default.
    /// </summary>
    public long MaxApplyLag { get; init; } = 1000;

    /// <summary>How long the check waits for the peer's answers before it reports Unhealthy. Positive; 2 s by default.</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    internal void Validate()
    {
        if (UnhealthyAfterElectionTimeouts < 1)
            throw new ArgumentException($"RaftHealthCheckOptions.UnhealthyAfterElectionTimeouts must be at least 1, is {UnhealthyAfterElectionTimeouts}");
        if (MaxApplyLag < 0)
            throw new ArgumentException($"RaftHealthCheckOptions.MaxApplyLag must be at least 0, is {MaxApplyLag}");
        if (AskTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"RaftHealthCheckOptions.AskTimeout must be positive, is {AskTimeout}");
    }
}

/// <summary>
/// Health of a hosted Raft peer or key-value server, an Akka.Hosting <see cref="IAkkaHealthCheck"/>: it asks the peer for
/// its <see cref="RaftState"/> and its <see cref="Members"/>, each with <see cref="RaftHealthCheckOptions.AskTimeout"/>.
/// Healthy while a leader is known and this peer is an up-to-date voter; Degraded while it catches up (a learner, not in
/// the configuration yet, or applied index more than <see cref="RaftHealthCheckOptions.MaxApplyLag"/> behind the commit
/// index) or while an election is under way; Unhealthy once no leader has been known for
/// <see cref="RaftHealthCheckOptions.UnhealthyAfterElectionTimeouts"/> election timeouts, or when the peer does not
/// answer. Register it with <see cref="RaftHealthCheckExtensions.WithRaftHealthCheck{TKey}"/>.
/// </summary>
/// <typeparam name="TKey">The registry key of the peer or server: <see cref="RaftPeer"/>, <see cref="RaftKeyValueStore"/>, or your own.</typeparam>
public sealed class RaftHealthCheck<TKey> : IAkkaHealthCheck
{
    private readonly RaftHealthCheckOptions _options;

    /// <summary>A check with <paramref name="options"/>, or the defaults.</summary>
    /// <exception cref="ArgumentException">A value of <paramref name="options"/> is out of range; the message names it.</exception>
    public RaftHealthCheck(RaftHealthCheckOptions? options = null)
    {
        _options = options ?? new RaftHealthCheckOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(AkkaHealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var peer = RaftHostingRegistry.Get(context.ActorSystem).Find(typeof(TKey));
        if (peer is null)
            return HealthCheckResult.Unhealthy($"no Raft peer registered under {typeof(TKey).Name} has started");
        RaftState state;
        Members members;
        try
        {
            var stateTask = peer.Actor.Ask<RaftState>(GetState.Instance, _options.AskTimeout, cancellationToken);
            var membersTask = peer.Actor.Ask<Members>(GetMembers.Instance, _options.AskTimeout, cancellationToken);
            state = await stateTask.ConfigureAwait(false);
            members = await membersTask.ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"peer {peer.Settings.PeerId} did not answer within {_options.AskTimeout.TotalMilliseconds:0} ms", e);
        }
        return RaftHealth.Evaluate(state, members, peer.Leaders.NoLeaderFor, peer.Settings.ElectionTimeoutMax, _options);
    }
}

/// <summary>The rules of <see cref="RaftHealthCheck{TKey}"/>: a peer's answers in, a status and its reason out.</summary>
internal static class RaftHealth
{
    public static HealthCheckResult Evaluate(RaftState state, Members members, TimeSpan? noLeaderFor, TimeSpan electionTimeout, RaftHealthCheckOptions options)
    {
        var data = new Dictionary<string, object>
        {
            ["peer"] = state.PeerId,
            ["role"] = state.Role.ToString(),
            ["term"] = state.Term,
            ["leader"] = state.LeaderId ?? "",
            ["commitIndex"] = state.CommitIndex,
            ["lastApplied"] = state.LastApplied,
        };
        var lag = state.CommitIndex - state.LastApplied;
        if (state.LeaderId is not null)
        {
            if (!state.IsMember)
                return HealthCheckResult.Degraded($"{state.PeerId} is not in the group's configuration yet (leader {state.LeaderId}, term {state.Term})", data: data);
            if (members.IsLearner(state.PeerId))
                return HealthCheckResult.Degraded($"{state.PeerId} is a learner catching up with leader {state.LeaderId} (term {state.Term})", data: data);
            if (lag > options.MaxApplyLag)
                return HealthCheckResult.Degraded($"{state.PeerId} has applied {state.LastApplied} of {state.CommitIndex} committed entries ({lag} behind, more than {options.MaxApplyLag})", data: data);
            return HealthCheckResult.Healthy(
                state.IsLeader ? $"{state.PeerId} leads term {state.Term}" : $"{state.PeerId} follows leader {state.LeaderId} in term {state.Term}", data);
        }
        if (!state.IsMember)
            return HealthCheckResult.Degraded($"{state.PeerId} waits to be added to the group (no leader known yet)", data: data);
        var since = noLeaderFor ?? TimeSpan.Zero; // the peer saw its leader go before the event did
        var limit = electionTimeout * options.UnhealthyAfterElectionTimeouts;
        if (since >= limit)
            return HealthCheckResult.Unhealthy(
                $"{state.PeerId} has known no leader for {since.TotalMilliseconds:0} ms ({options.UnhealthyAfterElectionTimeouts} election timeouts are {limit.TotalMilliseconds:0} ms): no quorum reachable?", data: data);
        return HealthCheckResult.Degraded($"{state.PeerId} knows no leader ({since.TotalMilliseconds:0} ms): election under way, role {state.Role}, term {state.Term}", data: data);
    }
}
