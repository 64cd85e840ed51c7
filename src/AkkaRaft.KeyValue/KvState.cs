using System.Text;

namespace AkkaRaft.KeyValue;

/// <summary>What applying one command did.</summary>
internal enum KvApplyOutcome
{
    /// <summary>A register entry: a session now exists whose id is the entry's index.</summary>
    Registered,

    /// <summary>The write changed the data.</summary>
    Applied,

    /// <summary>The write had already been applied: nothing changed, and its client may hear Ok.</summary>
    Duplicate,

    /// <summary>The write's session is not in the table (evicted, or never registered): nothing changed.</summary>
    SessionExpired,
}

/// <summary>
/// The key-value state machine proper: the data, and the client sessions that make a retried write apply at most once
/// (Raft thesis §6.3). Both are in the snapshot. Every decision depends only on the commands and their log indexes, so
/// every replica holds the same state after the same entries. Pure data: no actor.
/// </summary>
internal sealed class KvState
{
    private const byte LegacyFormat = 1;
    private const byte Format = 2;

    private readonly Dictionary<string, KvValue> _data;
    private readonly KvSessions _sessions = new();

    /// <summary>
    /// The last sequence applied per client of the older, string-keyed protocol (format 1 snapshots and 'K' entries).
    /// It dedupes only those 'K' entries, exactly as before, so replaying an old log gives the data it gave then; no new
    /// session can match a string id. Nothing adds to it once the new protocol runs (no server proposes 'K' entries any
    /// more, and the client wire format changed, so no old client is still retrying): it is dropped when the first
    /// register entry is applied, a point in the log every replica agrees on, so it does not sit in snapshots forever.
    /// </summary>
    private readonly Dictionary<string, long> _legacySequence;

    /// <summary>
    /// A copy that later applies leave unchanged, to encode with <see cref="ToSnapshot"/> on another thread. It holds
    /// each value's text (immutable), never the growing value itself; the text is made at most once per change.
    /// </summary>
    public KvState Capture()
    {
        var data = new Dictionary<string, KvValue>(_data.Count, StringComparer.Ordinal);
        foreach (var (key, value) in _data) data[key] = new KvValue(value.Text);
        var copy = new KvState(data, new Dictionary<string, long>(_legacySequence, StringComparer.Ordinal));
        copy._sessions.Restore(_sessions.InActivityOrder.ToList());
        return copy;
    }

    public KvState() : this(new Dictionary<string, KvValue>(StringComparer.Ordinal), new Dictionary<string, long>(StringComparer.Ordinal)) { }

    private KvState(Dictionary<string, KvValue> data, Dictionary<string, long> legacySequence)
    {
        _data = data;
        _legacySequence = legacySequence;
    }

    public int Count => _data.Count;

    public int SessionCount => _sessions.Count;

    /// <summary>The sessions, least recently active (the next to be evicted) first.</summary>
    public IEnumerable<KvSession> Sessions => _sessions.InActivityOrder;

    public string? Get(string key) => _data.TryGetValue(key, out var value) ? value.Text : null;

    /// <summary>True when session <paramref name="sessionId"/> exists and has applied request <paramref name="sequence"/>.</summary>
    public bool IsApplied(long sessionId, long sequence) => _sessions.Find(sessionId) is { } s && sequence <= s.LastSequence;

    /// <summary>Applies the command of the log entry at <paramref name="index"/>; entries must come in log order.</summary>
    public KvApplyOutcome Apply(KvCommand command, long index)
    {
        switch (command)
        {
            case KvRegisterCommand register:
                _legacySequence.Clear();
                _sessions.Register(index, register.MaxSessions);
                return KvApplyOutcome.Registered;
            case KvWriteCommand write:
                // Raft thesis §6.3: decided here, at apply time, identically on every replica. A write of an unknown
                // session is never applied: it may be a retry of one applied before its session was evicted.
                if (_sessions.Find(write.SessionId) is not { } session) return KvApplyOutcome.SessionExpired;
                var duplicate = write.Sequence <= session.LastSequence;
                if (!duplicate) Write(write.Operation, write.Key, write.Value);
                _sessions.Touch(session, Math.Max(write.Sequence, session.LastSequence), index);
                return duplicate ? KvApplyOutcome.Duplicate : KvApplyOutcome.Applied;
            case KvLegacyWriteCommand legacy:
                if (_legacySequence.TryGetValue(legacy.ClientId, out var last) && legacy.Sequence <= last) return KvApplyOutcome.Duplicate;
                Write(legacy.Operation, legacy.Key, legacy.Value);
                _legacySequence[legacy.ClientId] = legacy.Sequence;
                return KvApplyOutcome.Applied;
            default:
                throw new ArgumentException($"unknown command {command.GetType().Name}", nameof(command));
        }
    }

    private void Write(KvOperation operation, string key, string value)
    {
        switch (operation)
        {
            case KvOperation.Put:
                if (_data.TryGetValue(key, out var current)) current.Replace(value);
                else _data[key] = new KvValue(value);
                break;
            case KvOperation.Append:
                if (_data.TryGetValue(key, out var old)) old.Append(value);
                else _data[key] = new KvValue(value);
                break;
            default:
                throw new InvalidOperationException($"{operation} is not a write");
        }
    }

    /// <summary>The whole state, sessions included (in activity order, so eviction order survives), as bytes.</summary>
    public byte[] ToSnapshot()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Format);
            w.Write7BitEncodedInt(_data.Count);
            foreach (var (key, value) in _data)
            {
                w.Write(key);
                w.Write(value.Text);
            }
            w.Write7BitEncodedInt(_sessions.Count);
            foreach (var session in _sessions.InActivityOrder)
            {
                w.Write7BitEncodedInt64(session.Id);
                w.Write7BitEncodedInt64(session.LastSequence);
                w.Write7BitEncodedInt64(session.LastActivity);
            }
            w.Write7BitEncodedInt(_legacySequence.Count);
            foreach (var (client, sequence) in _legacySequence)
            {
                w.Write(client);
                w.Write7BitEncodedInt64(sequence);
            }
        }
        return stream.ToArray();
    }

    /// <summary>
    /// Replaces the state with a snapshot's: format 2, or format 1 (data and string-keyed sessions, which only old 'K'
    /// entries can match). Throws <see cref="InvalidDataException"/> for bytes that are not one, changing nothing.
    /// </summary>
    public void Restore(byte[] snapshot)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        var sessions = new List<KvSession>();
        var legacy = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            using var r = new BinaryReader(new MemoryStream(snapshot), new UTF8Encoding(false, throwOnInvalidBytes: true));
            if (snapshot.Length == 0) throw new InvalidDataException("empty");
            var version = r.ReadByte();
            if (version is not (LegacyFormat or Format)) throw new InvalidDataException($"unknown format version {version}");
            var keys = r.Read7BitEncodedInt();
            for (var i = 0; i < keys; i++) data[r.ReadString()] = r.ReadString();
            if (version == Format)
            {
                var count = r.Read7BitEncodedInt();
                for (var i = 0; i < count; i++) sessions.Add(new KvSession(r.Read7BitEncodedInt64(), r.Read7BitEncodedInt64(), r.Read7BitEncodedInt64()));
            }
            var clients = r.Read7BitEncodedInt();
            for (var i = 0; i < clients; i++) legacy[r.ReadString()] = r.Read7BitEncodedInt64();
            if (r.BaseStream.Position != snapshot.Length) throw new InvalidDataException("trailing bytes");
            new KvSessions().Restore(sessions); // validates the table before anything here changes
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or DecoderFallbackException or IOException)
        {
            throw new InvalidDataException($"not a key-value snapshot: {e.Message}", e);
        }
        _data.Clear();
        foreach (var kv in data) _data[kv.Key] = new KvValue(kv.Value);
        _sessions.Restore(sessions);
        _legacySequence.Clear();
        foreach (var kv in legacy) _legacySequence[kv.Key] = kv.Value;
    }
}

/// <summary>
/// One key's value, made for appends: they go to a <see cref="StringBuilder"/>, which adds without copying what it
/// holds, so replaying a log of appends to one key costs time in proportion to the characters appended. With an
/// immutable string each append copied the whole value, and a replica rebuilding a long-appended key from its log
/// (after a restart without a snapshot) spent seconds copying, while the Raft traffic it forwards waited behind the
/// applies. The string is made when read and kept until the next append.
/// </summary>
internal sealed class KvValue
{
    private StringBuilder? _builder;
    private string? _text;

    public KvValue(string text) => _text = text;

    /// <summary>The value as a string (made at most once per change).</summary>
    public string Text => _text ??= _builder!.ToString();

    /// <summary>Becomes <paramref name="text"/>: a put reuses the key's value rather than allocating another.</summary>
    public void Replace(string text)
    {
        _text = text;
        _builder = null;
    }

    /// <summary>Adds <paramref name="more"/> at the end.</summary>
    public void Append(string more)
    {
        if (more.Length == 0) return;
        (_builder ??= new StringBuilder(_text)).Append(more);
        _text = null;
    }
}
