using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AkkaRaft.Hosting;

/// <summary>
/// Registers <see cref="RaftHealthCheck{TKey}"/> through Akka.Hosting's health checks
/// (<see cref="AkkaConfigurationBuilder.WithHealthCheck(AkkaHealthCheckRegistration)"/>): Akka.Hosting adds it to the
/// application's <c>Microsoft.Extensions.Diagnostics.HealthChecks</c> checks, tagged <c>akka</c> and <c>raft</c>, so
/// <c>services.AddHealthChecks()</c> and ASP.NET Core's <c>MapHealthChecks</c> report it.
/// </summary>
public static class RaftHealthCheckExtensions
{
    /// <summary>The health check of the peer registered under <see cref="RaftPeer"/>, named <c>raft</c>.</summary>
    public static AkkaConfigurationBuilder WithRaftHealthCheck(this AkkaConfigurationBuilder builder, RaftHealthCheckOptions? options = null) =>
        builder.WithRaftHealthCheck<RaftPeer>(options);

    /// <summary>The health check of the peer or key-value server registered under <typeparamref name="TKey"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="options">Thresholds; null means the defaults.</param>
    /// <param name="name">
    /// Name of the check; null means <c>raft</c> for <see cref="RaftPeer"/>, <c>raft-kv</c> for
    /// <see cref="RaftKeyValueStore"/>, else <c>raft-</c> and the key type's name in lower case.
    /// </param>
    /// <param name="tags">Tags besides <c>raft</c>.</param>
    /// <exception cref="ArgumentException">A value of <paramref name="options"/> is out of range; the message names it.</exception>
    public static AkkaConfigurationBuilder WithRaftHealthCheck<TKey>(this AkkaConfigurationBuilder builder, RaftHealthCheckOptions? options = null, string? name = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var check = new RaftHealthCheck<TKey>(options);
        name ??= typeof(TKey) == typeof(RaftPeer) ? "raft"
            : typeof(TKey) == typeof(RaftKeyValueStore) ? "raft-kv"
            : $"raft-{typeof(TKey).Name.ToLowerInvariant()}";
        return builder.WithHealthCheck(name, check, HealthStatus.Unhealthy, new[] { "raft" }.Concat(tags ?? []));
    }
}
