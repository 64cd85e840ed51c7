using Akka.Configuration;

namespace AkkaRaft.ClusterMembership;

/// <summary>How a cluster member's Raft id is found (<c>akka.raft.membership.akka-cluster.id-from</c>).</summary>
public enum ClusterMemberIdSource
{
    /// <summary>From the member's role that starts with <see cref="RaftClusterMembershipSettings.IdRolePrefix"/>.</summary>
    Role,

    /// <summary>From the member's address: its host and port, as <c>10.0.0.4:4053</c>.</summary>
    HostPort,
}

/// <summary>
/// Validated settings of a <see cref="RaftClusterMembership"/>, read from <c>akka.raft.membership.akka-cluster</c>
/// (defaults in AkkaRaft.Actors' embedded <c>reference.conf</c>, where every key is commented).
/// </summary>
public sealed record RaftClusterMembershipSettings
{
    /// <summary>The HOCON path this class reads.</summary>
    public const string ConfigPath = RaftSettings.ConfigPath + ".membership.akka-cluster";

    /// <summary>Only cluster members with this role host a peer; empty means every member does.</summary>
    public string Role { get; init; } = "raft";

    /// <summary>How a member's Raft id is found.</summary>
    public ClusterMemberIdSource IdFrom { get; init; } = ClusterMemberIdSource.Role;

    /// <summary>With <see cref="ClusterMemberIdSource.Role"/>: the prefix of the role that carries the id.</summary>
    public string IdRolePrefix { get; init; } = "raft-id:";

    /// <summary>The peer's path in each member's ActorSystem, appended to the member's address to reach it.</summary>
    public string PeerPath { get; init; } = "/user/raft";

    /// <summary>Removals never leave fewer voters than this.</summary>
    public int MinVoters { get; init; } = 3;

    /// <summary>How long to wait before proposing a refused change again.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for the leader's answer before reading the membership again.</summary>
    public TimeSpan AnswerTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Reads the settings from the system's configuration, over the defaults.</summary>
    /// <exception cref="ConfigurationException">A key is missing or malformed; the message names it.</exception>
    public static RaftClusterMembershipSettings Create(ActorSystem system) => Create(system.Settings.Config);

    /// <summary>Reads the settings from <paramref name="config"/>, over the defaults.</summary>
    /// <exception cref="ConfigurationException">A key is missing or malformed; the message names it.</exception>
    public static RaftClusterMembershipSettings Create(Config config)
    {
        var c = config.WithFallback(RaftSettings.DefaultConfig()).GetConfig(ConfigPath);
        return new RaftClusterMembershipSettings
        {
            Role = Read(c, "role", x => x.GetString("role")),
            IdFrom = Read(c, "id-from", x => x.GetString("id-from") switch
            {
                "role" => ClusterMemberIdSource.Role,
                "host-port" => ClusterMemberIdSource.HostPort,
                var other => throw new FormatException($"'{other}' is neither role nor host-port"),
            }),
            IdRolePrefix = Read(c, "id-role-prefix", x => x.GetString("id-role-prefix")),
            PeerPath = Read(c, "peer-path", x => x.GetString("peer-path")),
            MinVoters = Read(c, "min-voters", x => x.GetInt("min-voters")),
            RetryDelay = Read(c, "retry-delay", x => x.GetTimeSpan("retry-delay", allowInfinite: false)),
            AnswerTimeout = Read(c, "answer-timeout", x => x.GetTimeSpan("answer-timeout", allowInfinite: false)),
        }.Validated();
    }

    /// <summary>This instance, when its values are coherent.</summary>
    /// <exception cref="ConfigurationException">A value is out of range; the message names its key.</exception>
    public RaftClusterMembershipSettings Validated()
    {
        if (IdFrom == ClusterMemberIdSource.Role && string.IsNullOrEmpty(IdRolePrefix))
            throw Invalid("id-role-prefix", "must not be empty with id-from = role");
        if (!PeerPath.StartsWith('/') || PeerPath.Length < 2)
            throw Invalid("peer-path", $"must be an actor path such as /user/raft, is '{PeerPath}'");
        if (MinVoters < 1)
            throw Invalid("min-voters", $"must be at least 1, is {MinVoters}");
        if (RetryDelay <= TimeSpan.Zero)
            throw Invalid("retry-delay", $"must be positive, is {RetryDelay}");
        if (AnswerTimeout <= TimeSpan.Zero)
            throw Invalid("answer-timeout", $"must be positive, is {AnswerTimeout}");
        return this;
    }

    private static T Read<T>(Config section, string key, Func<Config, T> read)
    {
        if (!section.HasPath(key))
            throw Invalid(key, "is missing");
        try
        {
            return read(section);
        }
        catch (Exception e)
        {
            throw Invalid(key, $"cannot be read: {e.Message}");
        }
    }

    private static ConfigurationException Invalid(string key, string problem) => new($"{ConfigPath}.{key} {problem}");
}
