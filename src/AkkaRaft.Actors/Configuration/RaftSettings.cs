using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;

namespace AkkaRaft.Actors;

/// <summary>
/// Validated settings of one Raft peer, read from the <c>akka.raft</c> section
/// (defaults in the embedded <c>reference.conf</c>). Instances are only made by
/// <see cref="Create(Config)"/>, <see cref="Create(ActorSystem)"/> and the
/// <c>With…</c> methods, each of which validates the result, so a
/// <see cref="RaftSettings"/> in hand is always coherent.
/// </summary>
public sealed class RaftSettings
{
    /// <summary>The HOCON path this class reads.</summary>
    public const string ConfigPath = "akka.raft";

    /// <summary>Name of the Raft group; messages carrying another one are dropped.</summary>
    public string ClusterId { get; }

    /// <summary>This peer's id; empty until set with <see cref="WithPeerId"/> or <c>akka.raft.peer-id</c>.</summary>
    public string PeerId { get; }

    /// <summary>Ids of every member of the group, this peer included, in configuration order.</summary>
    public ImmutableArray<string> Members { get; }

    /// <summary>Lower bound of the randomized election timeout.</summary>
    public TimeSpan ElectionTimeoutMin { get; }

    /// <summary>Upper bound (inclusive) of the randomized election timeout.</summary>
    public TimeSpan ElectionTimeoutMax { get; }

    /// <summary>Interval between a leader's heartbeats to each follower.</summary>
    public TimeSpan HeartbeatInterval { get; }

    /// <summary>Whether a new leader appends an empty entry of its term as it takes office (Raft thesis §6.4).</summary>
    public bool LeaderNoOp { get; private init; } = true;

    /// <summary>
    /// Whether a peer whose election timer fires first asks the others whether it could win (Raft thesis §9.6): it
    /// raises its term only once a majority would vote for it, so a peer that was cut off cannot depose a leader.
    /// </summary>
    public bool PreVote { get; }

    /// <summary>
    /// Whether a leader steps down when it has not heard from a majority for an election timeout, and a peer that has
    /// heard from a leader within the minimum election timeout ignores requests to vote in a newer term (the vote lease).
    /// </summary>
    public bool CheckQuorum { get; }

    /// <summary>How the leader confirms it still leads before it serves a read (Raft thesis §6.4).</summary>
    public ReadMode Reads { get; }

    /// <summary>
    /// With <see cref="ReadMode.Lease"/>: how much a follower's clock may run fast against the leader's over one
    /// election timeout. The lease ends this much before the followers' minimum election timeout would.
    /// </summary>
    public TimeSpan LeaseClockDrift { get; }

    /// <summary>Most entries in one AppendEntries message.</summary>
    public int MaxEntriesPerMessage { get; }

    /// <summary>Most command bytes in one AppendEntries message.</summary>
    public long MaxBytesPerMessage { get; }

    /// <summary>Most AppendEntries messages with entries in flight to one follower.</summary>
    public int MaxInflightMessages { get; }

    /// <summary>Log entries past the last snapshot that make the peer ask for a snapshot; 0 means never.</summary>
    public long SnapshotLogEntries { get; }

    /// <summary>Size of the Raft state held past the last snapshot (term, vote, entries as encoded; <see cref="RaftState.LogBytes"/>) that makes the peer ask for a snapshot; 0 means never.</summary>
    public long SnapshotLogBytes { get; }

    /// <summary>Size of each InstallSnapshot chunk.</summary>
    public int SnapshotChunkBytes { get; }

    /// <summary>
    /// True for a peer that starts empty and waits to be added to a running group (<c>akka.raft.join</c>): it has no
    /// members of its own, never campaigns, and learns the configuration from the leader that adds it.
    /// </summary>
    public bool Join { get; }

    /// <summary>Catch-up rounds a learner gets before <see cref="AddVoter"/> gives up promoting it (<c>akka.raft.membership.catch-up-rounds</c>).</summary>
    public int CatchUpRounds { get; }

    private RaftSettings(
        string clusterId, string peerId, ImmutableArray<string> members,
        TimeSpan electionTimeoutMin, TimeSpan electionTimeoutMax, TimeSpan heartbeatInterval,
        bool preVote, bool checkQuorum, ReadMode reads, TimeSpan leaseClockDrift,
        int maxEntriesPerMessage, long maxBytesPerMessage, int maxInflightMessages,
        long snapshotLogEntries, long snapshotLogBytes, int snapshotChunkBytes, bool join, int catchUpRounds)
    {
        ClusterId = clusterId;
        PeerId = peerId;
        Members = members;
        ElectionTimeoutMin = electionTimeoutMin;
        ElectionTimeoutMax = electionTimeoutMax;
        HeartbeatInterval = heartbeatInterval;
        PreVote = preVote;
        CheckQuorum = checkQuorum;
        Reads = reads;
        LeaseClockDrift = leaseClockDrift;
        MaxEntriesPerMessage = maxEntriesPerMessage;
        MaxBytesPerMessage = maxBytesPerMessage;
        MaxInflightMessages = maxInflightMessages;
        SnapshotLogEntries = snapshotLogEntries;
        SnapshotLogBytes = snapshotLogBytes;
        SnapshotChunkBytes = snapshotChunkBytes;
        Join = join;
        CatchUpRounds = catchUpRounds;
        Validate();
    }

    /// <summary>The embedded <c>reference.conf</c>: every key with its default.</summary>
    public static Config DefaultConfig() => ReferenceConfig.Value;

    private static readonly Lazy<Config> ReferenceConfig = new(() =>
    {
        using var stream = typeof(RaftSettings).Assembly.GetManifestResourceStream("AkkaRaft.Actors.reference.conf")
            ?? throw new InvalidOperationException("AkkaRaft.Actors.reference.conf is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });

    /// <summary>Reads the settings from the system's configuration, with <see cref="DefaultConfig"/> as fallback.</summary>
    /// <exception cref="ConfigurationException">A key is missing, malformed or inconsistent; the message names it.</exception>
    public static RaftSettings Create(ActorSystem system) => Create(system.Settings.Config);

    /// <summary>Reads the settings from a configuration that holds an <c>akka.raft</c> section (or none, for the defaults).</summary>
    /// <exception cref="ConfigurationException">A key is missing, malformed or inconsistent; the message names it.</exception>
    public static RaftSettings Create(Config config)
    {
        var raft = config.WithFallback(DefaultConfig()).GetConfig(ConfigPath);
        return new RaftSettings(
            clusterId: Read(raft, "cluster-id", c => c.GetString("cluster-id")),
            peerId: Read(raft, "peer-id", c => c.GetString("peer-id", "")),
            members: Read(raft, "members", c => c.GetStringList("members").ToImmutableArray()),
            electionTimeoutMin: Read(raft, "election-timeout-min", c => c.GetTimeSpan("election-timeout-min", allowInfinite: false)),
            electionTimeoutMax: Read(raft, "election-timeout-max", c => c.GetTimeSpan("election-timeout-max", allowInfinite: false)),
            heartbeatInterval: Read(raft, "heartbeat-interval", c => c.GetTimeSpan("heartbeat-interval", allowInfinite: false)),
            preVote: Read(raft, "pre-vote", c => c.GetBoolean("pre-vote")),
            checkQuorum: Read(raft, "check-quorum", c => c.GetBoolean("check-quorum")),
            reads: Read(raft, "reads", c => ParseReadMode(c.GetString("reads"))),
            leaseClockDrift: Read(raft, "lease-clock-drift", c => c.GetTimeSpan("lease-clock-drift", allowInfinite: false)),
            maxEntriesPerMessage: Read(raft, "replication.max-entries-per-message", c => c.GetInt("replication.max-entries-per-message")),
            maxBytesPerMessage: Read(raft, "replication.max-bytes-per-message", c => c.GetByteSize("replication.max-bytes-per-message") ?? -1),
            maxInflightMessages: Read(raft, "replication.max-inflight-messages", c => c.GetInt("replication.max-inflight-messages")),
            snapshotLogEntries: Read(raft, "snapshot.log-entries", c => c.GetLong("snapshot.log-entries")),
            snapshotLogBytes: Read(raft, "snapshot.log-bytes", c => c.GetByteSize("snapshot.log-bytes") ?? -1),
            snapshotChunkBytes: Read(raft, "snapshot.chunk-bytes", c => checked((int)(c.GetByteSize("snapshot.chunk-bytes") ?? -1))),
            join: Read(raft, "join", c => c.GetBoolean("join")),
            catchUpRounds: Read(raft, "membership.catch-up-rounds", c => c.GetInt("membership.catch-up-rounds")))
        {
            LeaderNoOp = Read(raft, "leader-no-op", c => c.GetBoolean("leader-no-op")),
        };
    }

    /// <summary>A copy for the peer <paramref name="peerId"/>, which must be one of <see cref="Members"/>.</summary>
    public RaftSettings WithPeerId(string peerId) => Copy(peerId: peerId);

    /// <summary>A copy with another group name.</summary>
    public RaftSettings WithClusterId(string clusterId) => Copy(clusterId: clusterId);

    /// <summary>A copy with another member list (this peer, if set, must be in it).</summary>
    public RaftSettings WithMembers(IEnumerable<string> members) => Copy(members: members.ToImmutableArray());

    /// <summary>
    /// A copy that starts empty and waits to be added to a running group (<paramref name="join"/>; its members are then
    /// cleared), or whose learners get <paramref name="catchUpRounds"/> rounds to catch up before promotion.
    /// </summary>
    public RaftSettings WithMembership(bool? join = null, int? catchUpRounds = null) =>
        Copy(join: join, catchUpRounds: catchUpRounds, members: join == true ? ImmutableArray<string>.Empty : null);

    /// <summary>A copy with other election timeout bounds.</summary>
    public RaftSettings WithElectionTimeout(TimeSpan min, TimeSpan max) => Copy(electionTimeoutMin: min, electionTimeoutMax: max);

    /// <summary>A copy with another heartbeat interval.</summary>
    public RaftSettings WithHeartbeatInterval(TimeSpan interval) => Copy(heartbeatInterval: interval);

    /// <summary>A copy in which a new leader does, or does not, append an empty entry of its term as it takes office.</summary>
    public RaftSettings WithLeaderNoOp(bool on) => Copy(leaderNoOp: on);

    /// <summary>A copy with pre-vote turned on or off (Raft thesis §9.6).</summary>
    public RaftSettings WithPreVote(bool on) => Copy(preVote: on);

    /// <summary>A copy with check-quorum and the vote lease turned on or off.</summary>
    public RaftSettings WithCheckQuorum(bool on) => Copy(checkQuorum: on);

    /// <summary>
    /// A copy that serves reads by <paramref name="reads"/>; with <see cref="ReadMode.Lease"/>, check-quorum must be
    /// on. <paramref name="leaseClockDrift"/>, when given, replaces <see cref="LeaseClockDrift"/>.
    /// </summary>
    public RaftSettings WithReads(ReadMode reads, TimeSpan? leaseClockDrift = null) => Copy(reads: reads, leaseClockDrift: leaseClockDrift);

    /// <summary>A copy with other snapshot thresholds (0 turns one off) or chunk size.</summary>
    public RaftSettings WithSnapshots(long? logEntries = null, long? logBytes = null, int? chunkBytes = null) =>
        Copy(snapshotLogEntries: logEntries, snapshotLogBytes: logBytes, snapshotChunkBytes: chunkBytes);

    /// <summary>A copy with other replication limits.</summary>
    public RaftSettings WithReplication(int? maxEntriesPerMessage = null, long? maxBytesPerMessage = null, int? maxInflightMessages = null) =>
        Copy(maxEntriesPerMessage: maxEntriesPerMessage, maxBytesPerMessage: maxBytesPerMessage, maxInflightMessages: maxInflightMessages);

    private RaftSettings Copy(
        string? clusterId = null, string? peerId = null, ImmutableArray<string>? members = null,
        TimeSpan? electionTimeoutMin = null, TimeSpan? electionTimeoutMax = null, TimeSpan? heartbeatInterval = null,
        bool? preVote = null, bool? checkQuorum = null, ReadMode? reads = null, TimeSpan? leaseClockDrift = null,
        int? maxEntriesPerMessage = null, long? maxBytesPerMessage = null, int? maxInflightMessages = null,
        long? snapshotLogEntries = null, long? snapshotLogBytes = null, int? snapshotChunkBytes = null, bool? leaderNoOp = null,
        bool? join = null, int? catchUpRounds = null) =>
        new(clusterId ?? ClusterId, peerId ?? PeerId, members ?? Members,
            electionTimeoutMin ?? ElectionTimeoutMin, electionTimeoutMax ?? ElectionTimeoutMax, heartbeatInterval ?? HeartbeatInterval,
            preVote ?? PreVote, checkQuorum ?? CheckQuorum, reads ?? Reads, leaseClockDrift ?? LeaseClockDrift,
            maxEntriesPerMessage ?? MaxEntriesPerMessage, maxBytesPerMessage ?? MaxBytesPerMessage, maxInflightMessages ?? MaxInflightMessages,
            snapshotLogEntries ?? SnapshotLogEntries, snapshotLogBytes ?? SnapshotLogBytes, snapshotChunkBytes ?? SnapshotChunkBytes,
            join ?? Join, catchUpRounds ?? CatchUpRounds)
        {
            LeaderNoOp = leaderNoOp ?? LeaderNoOp,
        };

    private void Validate()
    {
        if (string.IsNullOrWhiteSpace(ClusterId))
            throw Invalid("cluster-id", "must not be empty");
        if (Join && !Members.IsDefaultOrEmpty)
            throw Invalid("members", "must be empty with join = on: a joining peer learns its members from the leader that adds it");
        if (!Join && Members.IsDefaultOrEmpty)
            throw Invalid("members", "must list at least one peer id (or set join = on to wait to be added to a running group)");
        if (Members.Any(string.IsNullOrWhiteSpace))
            throw Invalid("members", "contains an empty peer id");
        var duplicate = Members.GroupBy(m => m, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw Invalid("members", $"lists the peer id '{duplicate.Key}' more than once");
        if (PeerId.Length > 0 && !Join && !Members.Contains(PeerId, StringComparer.Ordinal))
            throw Invalid("peer-id", $"'{PeerId}' is not one of members [{string.Join(", ", Members)}]");
        if (ElectionTimeoutMin <= TimeSpan.Zero)
            throw Invalid("election-timeout-min", $"must be positive, is {ElectionTimeoutMin}");
        if (ElectionTimeoutMax <= TimeSpan.Zero)
            throw Invalid("election-timeout-max", $"must be positive, is {ElectionTimeoutMax}");
        if (ElectionTimeoutMin > ElectionTimeoutMax)
            throw Invalid("election-timeout-min", $"({ElectionTimeoutMin}) must not exceed election-timeout-max ({ElectionTimeoutMax})");
        if (HeartbeatInterval <= TimeSpan.Zero)
            throw Invalid("heartbeat-interval", $"must be positive, is {HeartbeatInterval}");
        if (HeartbeatInterval >= ElectionTimeoutMin)
            throw Invalid("heartbeat-interval", $"({HeartbeatInterval}) must be shorter than election-timeout-min ({ElectionTimeoutMin}), or followers time out between heartbeats");
        if (LeaseClockDrift < TimeSpan.Zero)
            throw Invalid("lease-clock-drift", $"must be at least 0, is {LeaseClockDrift}");
        // Only leases use it: a read-index cluster with short timeouts need not lower it.
        if (Reads == ReadMode.Lease && LeaseClockDrift >= ElectionTimeoutMin)
            throw Invalid("lease-clock-drift", $"({LeaseClockDrift}) must be shorter than election-timeout-min ({ElectionTimeoutMin}) with reads = lease");
        if (Reads == ReadMode.Lease && !CheckQuorum)
            throw Invalid("reads", "= lease needs check-quorum = on: without the vote lease another leader could be elected while this one's lease runs");
        if (MaxEntriesPerMessage <= 0)
            throw Invalid("replication.max-entries-per-message", $"must be positive, is {MaxEntriesPerMessage}");
        if (MaxBytesPerMessage <= 0)
            throw Invalid("replication.max-bytes-per-message", $"must be positive, is {MaxBytesPerMessage}");
        if (MaxInflightMessages <= 0)
            throw Invalid("replication.max-inflight-messages", $"must be positive, is {MaxInflightMessages}");
        if (SnapshotLogEntries < 0)
            throw Invalid("snapshot.log-entries", $"must be 0 (off) or positive, is {SnapshotLogEntries}");
        if (SnapshotLogBytes < 0)
            throw Invalid("snapshot.log-bytes", $"must be 0 (off) or positive, is {SnapshotLogBytes}");
        if (SnapshotChunkBytes <= 0)
            throw Invalid("snapshot.chunk-bytes", $"must be positive, is {SnapshotChunkBytes}");
        if (CatchUpRounds < 1)
            throw Invalid("membership.catch-up-rounds", $"must be at least 1, is {CatchUpRounds}");
    }

    private static ReadMode ParseReadMode(string value) => value switch
    {
        "read-index" => ReadMode.ReadIndex,
        "lease" => ReadMode.Lease,
        _ => throw new FormatException($"'{value}' is neither read-index nor lease"),
    };

    private static T Read<T>(Config raft, string key, Func<Config, T> read)
    {
        if (!raft.HasPath(key))
            throw Invalid(key, "is missing");
        try
        {
            return read(raft);
        }
        catch (Exception e)
        {
            throw Invalid(key, $"cannot be read: {e.Message}");
        }
    }

    private static ConfigurationException Invalid(string key, string problem) =>
        new($"{ConfigPath}.{key} {problem}");

    /// <inheritdoc />
    public override string ToString() =>
        $"RaftSettings(cluster-id={ClusterId}, peer-id={PeerId}, members=[{string.Join(",", Members)}]{(Join ? " (join)" : "")}, " +
        $"election-timeout={ElectionTimeoutMin.TotalMilliseconds}-{ElectionTimeoutMax.TotalMilliseconds}ms, " +
        $"heartbeat={HeartbeatInterval.TotalMilliseconds}ms, pre-vote={(PreVote ? "on" : "off")}, check-quorum={(CheckQuorum ? "on" : "off")}, " +
        $"reads={(Reads == ReadMode.Lease ? $"lease (drift {LeaseClockDrift.TotalMilliseconds}ms)" : "read-index")})";
}

/// <summary>How a leader makes sure it still leads before it serves a read (Raft thesis §6.4).</summary>
public enum ReadMode
{
    /// <summary>Each read (or batch of reads) waits for a round of heartbeats a majority acknowledges. Relies on no clock.</summary>
    ReadIndex,

    /// <summary>
    /// A leader serves reads at once while a majority acknowledged its heartbeats within the minimum election timeout
    /// minus <see cref="RaftSettings.LeaseClockDrift"/>: no other leader can be elected before then (Raft thesis
    /// §6.4.1). Assumes clocks whose rates differ by less than that bound; needs check-quorum.
    /// </summary>
    Lease,
}
