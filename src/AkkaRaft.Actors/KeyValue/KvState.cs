using System.Text;

namespace AkkaRaft.Actors.KeyValue;

/// <summary>
/// The key-value state machine proper: the data, and per client the last applied sequence number, so a retried write
/// is never applied twice (Raft thesis §6.3). Both are in the snapshot. Pure data: no actor.
/// </summary>
internal sealed class KvState
{
    private readonly Dictionary<string, string> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastSequence = new(StringComparer.Ordinal);

    public int Count => _data.Count;

    public string? Get(string key) => _data.TryGetValue(key, out var value) ? value : null;

    /// <summary>True when the client's request <paramref name="sequence"/> has already been applied.</summary>
    public bool IsApplied(string clientId, long sequence) => _lastSequence.TryGetValue(clientId, out var last) && sequence <= last;

    /// <summary>Applies a write unless it is a duplicate; returns false for a duplicate (nothing changes).</summary>
    public bool Apply(KvCommand command)
    {
        if (IsApplied(command.ClientId, command.Sequence)) return false;
        switch (command.Operation)
        {
            case KvOperation.Put:
                _data[command.Key] = command.Value;
                break;
            case KvOperation.Append:
                _data[command.Key] = _data.TryGetValue(command.Key, out var old) ? old + command.Value : command.Value;
                break;
            default:
                throw new InvalidOperationException($"{command.Operation} is not a write");
        }
        _lastSequence[command.ClientId] = command.Sequence;
        return true;
    }

    /// <summary>The whole state, sessions included, as bytes.</summary>
    public byte[] ToSnapshot()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write((byte)1); // format version
            w.Write7BitEncodedInt(_data.Count);
            foreach (var (key, value) in _data)
            {
                w.Write(key);
                w.Write(value);
            }
            w.Write7BitEncodedInt(_lastSequence.Count);
            foreach (var (client, sequence) in _lastSequence)
            {
                w.Write(client);
                w.Write7BitEncodedInt64(sequence);
            }
        }
        return stream.ToArray();
    }

    /// <summary>Replaces the state with a snapshot's. Throws <see cref="InvalidDataException"/> for bytes that are not one.</summary>
    public void Restore(byte[] snapshot)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        var sessions = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            using var r = new BinaryReader(new MemoryStream(snapshot), new UTF8Encoding(false, throwOnInvalidBytes: true));
            if (snapshot.Length == 0) throw new InvalidDataException("empty");
            var version = r.ReadByte();
            if (version != 1) throw new InvalidDataException($"unknown format version {version}");
            var keys = r.Read7BitEncodedInt();
            for (var i = 0; i < keys; i++) data[r.ReadString()] = r.ReadString();
            var clients = r.Read7BitEncodedInt();
            for (var i = 0; i < clients; i++) sessions[r.ReadString()] = r.Read7BitEncodedInt64();
            if (r.BaseStream.Position != snapshot.Length) throw new InvalidDataException("trailing bytes");
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or DecoderFallbackException)
        {
            throw new InvalidDataException($"not a key-value snapshot: {e.Message}", e);
        }
        _data.Clear();
        foreach (var kv in data) _data[kv.Key] = kv.Value;
        _lastSequence.Clear();
        foreach (var kv in sessions) _lastSequence[kv.Key] = kv.Value;
    }
}

/// <summary>A write as the log carries it.</summary>
internal sealed record KvCommand(string ClientId, long Sequence, KvOperation Operation, string Key, string Value)
{
    private const byte Marker = 0x4B; // 'K'

    public byte[] Encode()
    {
        using var stream = new MemoryStream(32 + Key.Length + Value.Length);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Marker);
            w.Write((byte)Operation);
            w.Write(ClientId);
            w.Write7BitEncodedInt64(Sequence);
            w.Write(Key);
            w.Write(Value);
        }
        return stream.ToArray();
    }

    /// <summary>Decodes a log entry's command; null for anything else (a no-op is empty).</summary>
    public static KvCommand? Decode(byte[] bytes)
    {
        if (bytes.Length < 2 || bytes[0] != Marker) return null;
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes), new UTF8Encoding(false, throwOnInvalidBytes: true));
            r.ReadByte();
            var op = (KvOperation)r.ReadByte();
            if (op is not (KvOperation.Put or KvOperation.Append)) return null;
            var command = new KvCommand(r.ReadString(), r.Read7BitEncodedInt64(), op, r.ReadString(), r.ReadString());
            return r.BaseStream.Position == bytes.Length ? command : null;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or DecoderFallbackException)
        {
            return null;
        }
    }
}
