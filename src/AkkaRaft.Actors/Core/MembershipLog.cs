namespace AkkaRaft.Actors.Core;

/// <summary>A configuration and the log index of the entry that created it (0 for the bootstrap configuration).</summary>
internal readonly record struct ConfigurationEntry(long Index, Membership Membership)
{
    public override string ToString() => $"{Membership} (index {Index})";
}

/// <summary>
/// Which configuration is in effect at each point of a peer's log. A configuration takes effect on the peer as soon as
/// its entry is in the log, committed or not (Raft thesis §4.1), so the latest one governs elections and commitment;
/// when a conflicting suffix is truncated, the configuration before it is in effect again. Pure data, fed the same
/// changes as the log: configuration entries appended, truncation, commit, compaction and snapshots.
/// </summary>
/// <remarks>
/// It holds the newest configuration at or below the snapshot index (which the snapshot carries) and every
/// configuration entry above it; entries are rare, so that is a handful. Committed entries above the snapshot index are
/// kept too: the next snapshot is taken at the applied index, which may lag the commit index, and must carry the
/// configuration in effect there (<see cref="At"/>). Compaction drops all but the newest at or below its index.
/// </remarks>
internal sealed class MembershipLog
{
    // Above SnapshotIndex, ascending by index.
    private readonly List<ConfigurationEntry> _entries = new();

    // The newest configuration at or below SnapshotIndex.
    private ConfigurationEntry _base;

    /// <summary>A peer's history before any entry: the bootstrap configuration, at index 0.</summary>
    public MembershipLog(Membership bootstrap)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        _base = new ConfigurationEntry(0, bootstrap);
    }

    /// <summary>
    /// A peer's history recovered from a snapshot ending at <paramref name="snapshotIndex"/> that carries
    /// <paramref name="configuration"/>; the entries after the snapshot are appended next, as the log replays them.
    /// </summary>
    public static MembershipLog FromSnapshot(long snapshotIndex, ConfigurationEntry configuration)
    {
        CheckCarried(snapshotIndex, configuration);
        var log = new MembershipLog(configuration.Membership) { _base = configuration };
        log.SnapshotIndex = snapshotIndex;
        log.CommitIndex = snapshotIndex;
        return log;
    }

    /// <summary>The configuration in effect: the newest in the log, committed or not (thesis §4.1).</summary>
    public ConfigurationEntry Latest => _entries.Count > 0 ? _entries[^1] : _base;

    /// <summary>The newest configuration at or below the commit index.</summary>
    public ConfigurationEntry Committed => At(CommitIndex);

    /// <summary>True when the latest configuration is not committed yet: a change is in progress.</summary>
    public bool ChangeInProgress => Latest.Index > CommitIndex;

    /// <summary>The commit index this history was last told of; never moves backward.</summary>
    public long CommitIndex { get; private set; }

    /// <summary>The last index covered by the snapshot (0 when there is none); no history below it is held.</summary>
    public long SnapshotIndex { get; private set; }

    /// <summary>How many configurations are held (the one at or below the snapshot index included).</summary>
    internal int Held => _entries.Count + 1;

    /// <summary>
    /// The configuration in effect at log index <paramref name="index"/>: the newest created at or below it. This is the
    /// one a snapshot ending at <paramref name="index"/> carries.
    /// </summary>
    public ConfigurationEntry At(long index)
    {
        if (index < SnapshotIndex)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"history below the snapshot index {SnapshotIndex} is compacted");
        for (var i = _entries.Count - 1; i >= 0; i--)
            if (_entries[i].Index <= index) return _entries[i];
        return _base;
    }

    /// <summary>
    /// A configuration entry was appended at <paramref name="index"/>: it is in effect from now on (thesis §4.1), on a
    /// leader as soon as it appends it and on a follower as soon as it receives it.
    /// </summary>
    public void Appended(long index, Membership membership)
    {
        ArgumentNullException.ThrowIfNull(membership);
        if (index <= Latest.Index || index <= CommitIndex)
            throw new ArgumentOutOfRangeException(nameof(index), index,
                $"a configuration entry must follow the latest one (index {Latest.Index}) and the commit index {CommitIndex}");
        _entries.Add(new ConfigurationEntry(index, membership));
    }

    /// <summary>
    /// Every entry at or after <paramref name="index"/> was removed from the log: configurations created there are
    /// undone, and the one before them is in effect again (thesis §4.1). True when the latest configuration changed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The truncation reaches a committed entry, which Raft never removes.</exception>
    public bool TruncatedFrom(long index)
    {
        if (index <= CommitIndex)
            throw new InvalidOperationException($"cannot truncate from index {index}: entries up to the commit index {CommitIndex} are committed");
        var keep = _entries.Count;
        while (keep > 0 && _entries[keep - 1].Index >= index) keep--;
        if (keep == _entries.Count) return false;
        _entries.RemoveRange(keep, _entries.Count - keep);
        return true;
    }

    /// <summary>
    /// The commit index moved to <paramref name="commitIndex"/>. True when that committed a newer configuration (a
    /// leader removed by it then steps down, thesis §4.2.2). An older commit index is ignored.
    /// </summary>
    public bool CommittedTo(long commitIndex)
    {
        if (commitIndex <= CommitIndex) return false;
        var before = Committed.Index;
        CommitIndex = commitIndex;
        return Committed.Index != before;
    }

    /// <summary>
    /// The log was compacted up to <paramref name="snapshotIndex"/>, whose snapshot carries <see cref="At"/> of that
    /// index: every older configuration is forgotten. An index the snapshot already covers changes nothing.
    /// </summary>
    public void Compacted(long snapshotIndex)
    {
        if (snapshotIndex <= SnapshotIndex) return;
        if (snapshotIndex > CommitIndex)
            throw new ArgumentOutOfRangeException(nameof(snapshotIndex), snapshotIndex, $"only committed entries are compacted (commit index {CommitIndex})");
        _base = At(snapshotIndex);
        _entries.RemoveAll(e => e.Index <= snapshotIndex);
        SnapshotIndex = snapshotIndex;
    }

    /// <summary>
    /// A snapshot ending at <paramref name="snapshotIndex"/>, carrying <paramref name="configuration"/>, was installed
    /// (Raft Figure 13). When the log kept its entries after the snapshot (it held the snapshot's last entry), their
    /// configurations stay; otherwise the log was discarded and so are they. The snapshot's entries are committed.
    /// False, changing nothing, for a snapshot older than the one held.
    /// </summary>
    public bool Restored(long snapshotIndex, ConfigurationEntry configuration, bool logKeptSuffix)
    {
        CheckCarried(snapshotIndex, configuration);
        if (snapshotIndex < SnapshotIndex) return false;
        if (logKeptSuffix) _entries.RemoveAll(e => e.Index <= snapshotIndex);
        else _entries.Clear();
        _base = configuration;
        SnapshotIndex = snapshotIndex;
        CommitIndex = Math.Max(CommitIndex, snapshotIndex);
        return true;
    }

    private static void CheckCarried(long snapshotIndex, ConfigurationEntry configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration.Membership, nameof(configuration));
        if (snapshotIndex < 0 || configuration.Index < 0 || configuration.Index > snapshotIndex)
            throw new ArgumentOutOfRangeException(nameof(configuration), configuration.Index,
                $"a snapshot ending at {snapshotIndex} carries a configuration created at or before it");
    }
}
