namespace AkkaRaft.KeyValue;

/// <summary>
/// The client sessions of the key-value state machine (Raft thesis §6.3): per session, the last sequence number applied
/// and the log index of its last applied command. A session's id is the log index of the entry that registered it, so
/// no two sessions ever share an id, across client restarts included.
/// </summary>
/// <remarks>
/// Expiry must be decided by the log alone, or replicas would disagree on which retry is a duplicate. The table is
/// bounded: when a register entry is applied to a full table, the least recently active session (lowest last-activity
/// index) is evicted. The bound travels in the register entry itself, so replicas with different local settings still
/// evict alike. The sessions are kept in a linked list in activity order (applying an entry moves its session to the
/// tail; entries are applied in increasing index order, so the list stays sorted) plus a dictionary by id: every
/// operation is O(1), and the snapshot writes the list as it is, so a restored replica evicts in the same order.
/// </remarks>
internal sealed class KvSessions
{
    private readonly LinkedList<KvSession> _byActivity = new();
    private readonly Dictionary<long, LinkedListNode<KvSession>> _byId = new();

    public int Count => _byId.Count;

    /// <summary>The sessions, least recently active first.</summary>
    public IEnumerable<KvSession> InActivityOrder => _byActivity;

    /// <summary>The session <paramref name="id"/>, or null when it is unknown (never registered, or evicted).</summary>
    public KvSession? Find(long id) => _byId.TryGetValue(id, out var node) ? node.Value : null;

    /// <summary>
    /// Registers the session whose register entry is applied at <paramref name="index"/>, first evicting the least
    /// recently active sessions until there is room for it under <paramref name="maxSessions"/>.
    /// </summary>
    public void Register(long index, int maxSessions)
    {
        if (maxSessions < 1) throw new ArgumentOutOfRangeException(nameof(maxSessions), maxSessions, "at least one session");
        if (_byId.ContainsKey(index)) throw new InvalidOperationException($"session {index} is already registered");
        while (_byId.Count >= maxSessions) Evict(_byActivity.First!);
        Add(new KvSession(index, 0, index));
    }

    /// <summary>Records that <paramref name="session"/> had a command applied at <paramref name="index"/>, the newest so far.</summary>
    public void Touch(KvSession session, long lastSequence, long index)
    {
        var node = _byId[session.Id];
        node.Value = session with { LastSequence = lastSequence, LastActivity = index };
        _byActivity.Remove(node);
        _byActivity.AddLast(node);
    }

    /// <summary>Replaces the table with <paramref name="sessions"/>, given least recently active first.</summary>
    /// <exception cref="InvalidDataException">Ids repeat, or activity indexes do not strictly grow.</exception>
    public void Restore(IReadOnlyList<KvSession> sessions)
    {
        var seen = new HashSet<long>();
        for (var i = 0; i < sessions.Count; i++)
        {
            var s = sessions[i];
            if (s.Id < 1 || s.LastSequence < 0 || s.LastActivity < s.Id) throw new InvalidDataException($"session {s.Id} is malformed");
            if (!seen.Add(s.Id)) throw new InvalidDataException($"session {s.Id} appears twice");
            if (i > 0 && s.LastActivity <= sessions[i - 1].LastActivity) throw new InvalidDataException("sessions are not in activity order");
        }
        _byActivity.Clear();
        _byId.Clear();
        foreach (var s in sessions) Add(s);
    }

    private void Add(KvSession session) => _byId[session.Id] = _byActivity.AddLast(session);

    private void Evict(LinkedListNode<KvSession> node)
    {
        _byActivity.Remove(node);
        _byId.Remove(node.Value.Id);
    }
}

/// <summary>One client session: its id (its register entry's index), the last sequence applied, and the index of its last applied command.</summary>
internal sealed record KvSession(long Id, long LastSequence, long LastActivity);
