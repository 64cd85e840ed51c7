using AkkaRaft.Actors.Core;

namespace AkkaRaft.Actors.Metrics;

/// <summary>
/// What the observable gauges read of one peer: values the peer's actor writes as they change, read by the gauges'
/// callbacks on whatever thread collects them, so a scrape never waits on the actor nor the actor on a scrape. Each
/// value is a single 64-bit field, written and read with <see cref="Volatile"/>; a scrape may see one a moment old.
/// It also holds the peer's tag arrays, made once, so recording a measurement allocates nothing.
/// </summary>
internal sealed class PeerMetrics
{
    private long _term;
    private long _role;
    private long _leaderKnown;
    private long _lastIndex;
    private long _commitIndex;
    private long _appliedIndex;
    private FollowerGauge[] _followers = [];

    public PeerMetrics(string group, string node)
    {
        Group = group;
        Node = node;
        Tags = [new(RaftMetrics.GroupTag, group), new(RaftMetrics.NodeTag, node)];
        ProposalCommitted = With(Tags, RaftInstruments.ProposalResult, "committed");
        ProposalDropped = With(Tags, RaftInstruments.ProposalResult, "dropped");
        ProposalNotLeader = With(Tags, RaftInstruments.ProposalResult, "not_leader");
        ProposalTransferring = With(Tags, RaftInstruments.ProposalResult, "transfer_in_progress");
    }

    public string Group { get; }
    public string Node { get; }

    /// <summary>The group and node tags.</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    // Proposals are counted per commit: their tags are made once.
    public KeyValuePair<string, object?>[] ProposalCommitted { get; }
    public KeyValuePair<string, object?>[] ProposalDropped { get; }
    public KeyValuePair<string, object?>[] ProposalNotLeader { get; }
    public KeyValuePair<string, object?>[] ProposalTransferring { get; }

    public long Term => Volatile.Read(ref _term);
    public long Role => Volatile.Read(ref _role);
    public long LeaderKnown => Volatile.Read(ref _leaderKnown);
    public long LastIndex => Volatile.Read(ref _lastIndex);
    public long CommitIndex => Volatile.Read(ref _commitIndex);
    public long AppliedIndex => Volatile.Read(ref _appliedIndex);

    /// <summary>The followers a leader replicates to; empty on any other role.</summary>
    public FollowerGauge[] Followers => Volatile.Read(ref _followers);

    /// <summary>On a role, term or leader change.</summary>
    public void SetRole(long term, RaftRole role, bool leaderKnown)
    {
        Volatile.Write(ref _term, term);
        Volatile.Write(ref _role, (long)role);
        Volatile.Write(ref _leaderKnown, leaderKnown ? 1 : 0);
    }

    /// <summary>After the log or the commit index moved.</summary>
    public void SetLog(long lastIndex, long commitIndex, long appliedIndex)
    {
        Volatile.Write(ref _lastIndex, lastIndex);
        Volatile.Write(ref _commitIndex, commitIndex);
        Volatile.Write(ref _appliedIndex, appliedIndex);
    }

    public void SetLastIndex(long lastIndex) => Volatile.Write(ref _lastIndex, lastIndex);

    /// <summary>When the set of followers a leader tracks changed (rarely: an election, a membership change).</summary>
    public void SetFollowers(IReadOnlyDictionary<string, FollowerProgress> progress)
    {
        var followers = new FollowerGauge[progress.Count];
        var i = 0;
        foreach (var (id, p) in progress) followers[i++] = new FollowerGauge(With(Tags, RaftMetrics.FollowerTag, id), p);
        Volatile.Write(ref _followers, followers);
    }

    public void ClearFollowers() => Volatile.Write(ref _followers, []);

    /// <summary><paramref name="tags"/> and one more.</summary>
    public static KeyValuePair<string, object?>[] With(KeyValuePair<string, object?>[] tags, string key, object? value) =>
        [.. tags, new(key, value)];
}

/// <summary>
/// One follower of a leader, for the lag gauge: its progress is read, not copied. <see cref="FollowerProgress.Match"/>
/// is one 64-bit field the actor writes; a collecting thread reads it whole, at worst a moment old.
/// </summary>
internal sealed record FollowerGauge(KeyValuePair<string, object?>[] Tags, FollowerProgress Progress);

/// <summary>The running peers whose gauges are reported: a peer registers when it starts and leaves when it stops.</summary>
internal static class PeerMetricsRegistry
{
    private static readonly object Gate = new();
    private static PeerMetrics[] _peers = [];

    /// <summary>Copy on write: collection reads the array without a lock.</summary>
    public static PeerMetrics[] Peers => Volatile.Read(ref _peers);

    public static void Add(PeerMetrics peer)
    {
        lock (Gate) Volatile.Write(ref _peers, [.. _peers, peer]);
    }

    public static void Remove(PeerMetrics peer)
    {
        lock (Gate) Volatile.Write(ref _peers, Array.FindAll(_peers, p => !ReferenceEquals(p, peer)));
    }
}
