using System.Text;
using Akka.Configuration;

namespace AkkaRaft.Hosting;

/// <summary>
/// One hosted Raft peer (or key-value server): who it is, the members of its group and how to reach them, its timing
/// and its journal. Only the properties you set are rendered into its <c>akka.raft</c> section (see
/// <see cref="ToHocon"/>); every other key keeps its value from the ActorSystem's configuration, which falls back to
/// AkkaRaft's <c>reference.conf</c>. <c>WithRaft</c> and <c>WithRaftKeyValueStore</c> check the options when they are
/// called and throw an <see cref="ArgumentException"/> whose one-line message names the option at fault.
/// </summary>
public sealed class RaftOptions
{
    /// <summary>This peer's id: one of the keys of <see cref="Members"/> (<c>akka.raft.peer-id</c>). Required.</summary>
    public string PeerId { get; set; } = "";

    /// <summary>Name of the Raft group (<c>akka.raft.cluster-id</c>); null keeps the configured one (<c>akkaraft</c>).</summary>
    public string? ClusterId { get; set; }

    /// <summary>
    /// Every member of the group by id, this peer included, each with the actor path another ActorSystem reaches it at,
    /// for example <c>akka.tcp://app@10.0.0.2:4053/user/raft</c> (<c>akka.raft.members</c> are the keys). The same map can
    /// be given to every member: a peer ignores the path of its own entry, which may be null. With <see cref="Join"/>,
    /// the map lists members of the running group to reach instead, and the peer learns the members from its leader.
    /// </summary>
    public IDictionary<string, string?> Members { get; set; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>Lower bound of the randomized election timeout (<c>akka.raft.election-timeout-min</c>).</summary>
    public TimeSpan? ElectionTimeoutMin { get; set; }

    /// <summary>Upper bound of the randomized election timeout (<c>akka.raft.election-timeout-max</c>).</summary>
    public TimeSpan? ElectionTimeoutMax { get; set; }

    /// <summary>Interval of a leader's heartbeats (<c>akka.raft.heartbeat-interval</c>); shorter than <see cref="ElectionTimeoutMin"/>.</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>Whether a new leader appends an empty entry of its term as it takes office (<c>akka.raft.leader-no-op</c>).</summary>
    public bool? LeaderNoOp { get; set; }

    /// <summary>Whether a peer asks for pre-votes before it raises its term (<c>akka.raft.pre-vote</c>).</summary>
    public bool? PreVote { get; set; }

    /// <summary>Whether a leader cut off from its majority steps down, and the vote lease holds (<c>akka.raft.check-quorum</c>).</summary>
    public bool? CheckQuorum { get; set; }

    /// <summary>How a leader confirms its leadership before it serves a read (<c>akka.raft.reads</c>).</summary>
    public ReadMode? Reads { get; set; }

    /// <summary>With lease reads, how early the lease ends to allow for clock drift (<c>akka.raft.lease-clock-drift</c>).</summary>
    public TimeSpan? LeaseClockDrift { get; set; }

    /// <summary>Most entries in one AppendEntries message (<c>akka.raft.replication.max-entries-per-message</c>).</summary>
    public int? MaxEntriesPerMessage { get; set; }

    /// <summary>Most command bytes in one AppendEntries message (<c>akka.raft.replication.max-bytes-per-message</c>).</summary>
    public long? MaxBytesPerMessage { get; set; }

    /// <summary>Most AppendEntries messages in flight to one follower (<c>akka.raft.replication.max-inflight-messages</c>).</summary>
    public int? MaxInflightMessages { get; set; }

    /// <summary>Log entries past the last snapshot that ask for a snapshot; 0 is off (<c>akka.raft.snapshot.log-entries</c>).</summary>
    public long? SnapshotLogEntries { get; set; }

    /// <summary>Bytes of Raft state past the last snapshot that ask for a snapshot; 0 is off (<c>akka.raft.snapshot.log-bytes</c>).</summary>
    public long? SnapshotLogBytes { get; set; }

    /// <summary>
    /// True for a peer that starts empty and waits to be added to a running group (<c>akka.raft.join</c>); its
    /// <see cref="Members"/> are then only routes to members of that group.
    /// </summary>
    public bool Join { get; set; }

    /// <summary>Name of the actor under <c>/user</c>; null means <c>raft</c> for a peer and <c>kv</c> for a key-value server.</summary>
    public string? ActorName { get; set; }

    /// <summary>Where the peer keeps its term, vote and log; null means <see cref="RaftJournal.SystemDefault"/>.</summary>
    public RaftJournal? Journal { get; set; }

    /// <summary>
    /// The peer's apply target, found once the ActorSystem has started (for example from the registry:
    /// <c>(system, registry) =&gt; registry.Get&lt;MyStateMachine&gt;()</c>). Null: the peer applies to no one. Ignored by
    /// <c>WithRaftKeyValueStore</c>, whose server is the apply target.
    /// </summary>
    public Func<ActorSystem, IActorRegistry, IActorRef>? ApplyTo { get; set; }

    /// <summary>Shortest wait before the supervisor restarts the peer after a failed journal write; null means 200 ms.</summary>
    public TimeSpan? MinBackoff { get; set; }

    /// <summary>Longest wait between such restarts; null means 10 s.</summary>
    public TimeSpan? MaxBackoff { get; set; }

    /// <summary>
    /// The <c>akka.raft</c> section these options set, and nothing else: for example
    /// <c>akka.raft { peer-id = "n1", members = ["n1", "n2", "n3"], election-timeout-min = 300ms }</c>.
    /// </summary>
    public string ToHocon()
    {
        var sb = new StringBuilder("akka.raft {\n");
        void Line(string key, string value) => sb.Append("  ").Append(key).Append(" = ").Append(value).Append('\n');
        Line("peer-id", Hocon.Quote(PeerId ?? ""));
        if (ClusterId is not null) Line("cluster-id", Hocon.Quote(ClusterId));
        Line("members", Join ? "[]" : "[" + string.Join(", ", (Members ?? new Dictionary<string, string?>()).Keys.Select(Hocon.Quote)) + "]");
        if (Join) Line("join", "on");
        if (ElectionTimeoutMin is { } min) Line("election-timeout-min", Hocon.Duration(min));
        if (ElectionTimeoutMax is { } max) Line("election-timeout-max", Hocon.Duration(max));
        if (HeartbeatInterval is { } hb) Line("heartbeat-interval", Hocon.Duration(hb));
        if (LeaderNoOp is { } noOp) Line("leader-no-op", Hocon.Switch(noOp));
        if (PreVote is { } preVote) Line("pre-vote", Hocon.Switch(preVote));
        if (CheckQuorum is { } checkQuorum) Line("check-quorum", Hocon.Switch(checkQuorum));
        if (Reads is { } reads) Line("reads", reads == ReadMode.Lease ? "lease" : "read-index");
        if (LeaseClockDrift is { } drift) Line("lease-clock-drift", Hocon.Duration(drift));
        if (MaxEntriesPerMessage is { } entries) Line("replication.max-entries-per-message", Hocon.Number(entries));
        if (MaxBytesPerMessage is { } bytes) Line("replication.max-bytes-per-message", Hocon.Number(bytes));
        if (MaxInflightMessages is { } inflight) Line("replication.max-inflight-messages", Hocon.Number(inflight));
        if (SnapshotLogEntries is { } logEntries) Line("snapshot.log-entries", Hocon.Number(logEntries));
        if (SnapshotLogBytes is { } logBytes) Line("snapshot.log-bytes", Hocon.Number(logBytes));
        return sb.Append("}\n").ToString();
    }

    /// <summary>The rendered section as a <see cref="Config"/>.</summary>
    public Config ToConfig() => ConfigurationFactory.ParseString(ToHocon());

    /// <summary>The options of the properties that map to a key, for naming the option in errors from <see cref="RaftSettings"/>.</summary>
    private static readonly (string Key, string Option)[] KeyOptions =
    [
        ("replication.max-entries-per-message", nameof(MaxEntriesPerMessage)),
        ("replication.max-bytes-per-message", nameof(MaxBytesPerMessage)),
        ("replication.max-inflight-messages", nameof(MaxInflightMessages)),
        ("snapshot.log-entries", nameof(SnapshotLogEntries)),
        ("snapshot.log-bytes", nameof(SnapshotLogBytes)),
        ("election-timeout-min", nameof(ElectionTimeoutMin)),
        ("election-timeout-max", nameof(ElectionTimeoutMax)),
        ("heartbeat-interval", nameof(HeartbeatInterval)),
        ("lease-clock-drift", nameof(LeaseClockDrift)),
        ("leader-no-op", nameof(LeaderNoOp)),
        ("check-quorum", nameof(CheckQuorum)),
        ("cluster-id", nameof(ClusterId)),
        ("pre-vote", nameof(PreVote)),
        ("peer-id", nameof(PeerId)),
        ("members", nameof(Members)),
        ("reads", nameof(Reads)),
        ("join", nameof(Join)),
    ];

    /// <summary>
    /// Checks the options against <paramref name="baseConfig"/> (the configuration they are laid over) and returns the
    /// peer's settings and the actor paths of the other members.
    /// </summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the one-line message names it.</exception>
    internal (RaftSettings Settings, IReadOnlyDictionary<string, ActorPath> Paths) Resolve(Config baseConfig)
    {
        if (string.IsNullOrWhiteSpace(PeerId))
            throw Bad(nameof(PeerId), "is empty: give this peer's id, one of RaftOptions.Members");
        if (Members is null || (Members.Count == 0 && !Join))
            throw Bad(nameof(Members), "is empty: list every member of the group by id, this peer included");
        if (Members.Keys.FirstOrDefault(string.IsNullOrWhiteSpace) is not null)
            throw Bad(nameof(Members), "contains an empty member id");
        if (!Join && !Members.ContainsKey(PeerId))
            throw Bad(nameof(PeerId), $"'{PeerId}' is not one of RaftOptions.Members [{string.Join(", ", Members.Keys)}]");
        if (ActorName is not null && !ActorPath.IsValidPathElement(ActorName))
            throw Bad(nameof(ActorName), $"'{ActorName}' is not a valid actor name");
        var paths = new Dictionary<string, ActorPath>(StringComparer.Ordinal);
        foreach (var (id, path) in Members)
        {
            if (id == PeerId) continue;
            if (string.IsNullOrWhiteSpace(path))
                throw Bad($"{nameof(Members)}[\"{id}\"]", "has no actor path: give the path this peer reaches that member at");
            if (!ActorPath.TryParse(path, out var parsed))
                throw Bad($"{nameof(Members)}[\"{id}\"]", $"'{path}' is not an actor path (e.g. akka.tcp://app@10.0.0.2:4053/user/raft)");
            paths[id] = parsed;
        }
        RaftSettings settings;
        try
        {
            settings = RaftSettings.Create(ToConfig().WithFallback(baseConfig));
        }
        catch (ConfigurationException e)
        {
            var option = KeyOptions.FirstOrDefault(k => e.Message.Contains($"{RaftSettings.ConfigPath}.{k.Key}", StringComparison.Ordinal)).Option;
            throw new ArgumentException(option is null ? $"invalid RaftOptions: {e.Message}" : $"RaftOptions.{option}: {e.Message}", e);
        }
        var min = MinBackoff ?? TimeSpan.FromMilliseconds(200);
        var max = MaxBackoff ?? TimeSpan.FromSeconds(10);
        if (min <= TimeSpan.Zero) throw Bad(nameof(MinBackoff), $"must be positive, is {min}");
        if (max < min) throw Bad(nameof(MaxBackoff), $"({max}) must not be shorter than RaftOptions.MinBackoff ({min})");
        return (settings, paths);
    }

    private static ArgumentException Bad(string option, string problem) => new($"RaftOptions.{option} {problem}");
}
