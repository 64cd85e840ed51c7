using System.Text;

namespace AkkaRaft.KeyValue;

/// <summary>
/// A key-value command as the log carries it. The first byte says which: 'R' registers a session, 'W' is a write in a
/// session, and 'K' is the write of a client of an older version (string client id), which an old log may still hold.
/// </summary>
internal abstract record KvCommand
{
    protected const byte LegacyMarker = 0x4B;   // 'K'
    protected const byte RegisterMarker = 0x52; // 'R'
    protected const byte WriteMarker = 0x57;    // 'W'

    public byte[] Encode()
    {
        using var stream = new MemoryStream(32);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) Write(w);
        return stream.ToArray();
    }

    protected abstract void Write(BinaryWriter w);

    /// <summary>Decodes a log entry's command; null for anything else (a leader's no-op is empty).</summary>
    public static KvCommand? Decode(byte[] bytes)
    {
        if (bytes.Length < 2) return null;
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes), new UTF8Encoding(false, throwOnInvalidBytes: true));
            KvCommand? command = r.ReadByte() switch
            {
                RegisterMarker => KvRegisterCommand.Read(r),
                WriteMarker => KvWriteCommand.Read(r),
                LegacyMarker => KvLegacyWriteCommand.Read(r),
                _ => null,
            };
            return r.BaseStream.Position == bytes.Length ? command : null;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or DecoderFallbackException or IOException)
        {
            return null;
        }
    }

    protected static KvOperation? ReadWriteOperation(BinaryReader r) =>
        (KvOperation)r.ReadByte() is var op && op is KvOperation.Put or KvOperation.Append ? op : null;
}

/// <summary>
/// Registers a client session; its id will be this entry's index (Raft thesis §6.3). <paramref name="MaxSessions"/> is
/// the proposing leader's bound, so every replica evicts alike; <paramref name="Nonce"/> only lets that leader find
/// the client waiting for this entry, and is ignored when applying.
/// </summary>
internal sealed record KvRegisterCommand(int MaxSessions, long Nonce) : KvCommand
{
    protected override void Write(BinaryWriter w)
    {
        w.Write(RegisterMarker);
        w.Write7BitEncodedInt(MaxSessions);
        w.Write(Nonce);
    }

    internal static KvRegisterCommand? Read(BinaryReader r)
    {
        var max = r.Read7BitEncodedInt();
        var nonce = r.ReadInt64();
        return max >= 1 ? new KvRegisterCommand(max, nonce) : null;
    }
}

/// <summary>A Put or Append in session <paramref name="SessionId"/>, its request <paramref name="Sequence"/>.</summary>
internal sealed record KvWriteCommand(long SessionId, long Sequence, KvOperation Operation, string Key, string Value) : KvCommand
{
    protected override void Write(BinaryWriter w)
    {
        w.Write(WriteMarker);
        w.Write((byte)Operation);
        w.Write7BitEncodedInt64(SessionId);
        w.Write7BitEncodedInt64(Sequence);
        w.Write(Key);
        w.Write(Value);
    }

    internal static KvWriteCommand? Read(BinaryReader r)
    {
        var op = ReadWriteOperation(r);
        var (session, sequence, key, value) = (r.Read7BitEncodedInt64(), r.Read7BitEncodedInt64(), r.ReadString(), r.ReadString());
        return op is { } o && session >= 1 && sequence >= 1 ? new KvWriteCommand(session, sequence, o, key, value) : null;
    }
}

/// <summary>
/// The write of a client of an older version, identified by a string it chose. No server proposes one any more; an old
/// log may still hold some, and they are applied (committed data is never dropped), deduplicated as they were then.
/// </summary>
internal sealed record KvLegacyWriteCommand(string ClientId, long Sequence, KvOperation Operation, string Key, string Value) : KvCommand
{
    protected override void Write(BinaryWriter w)
    {
        w.Write(LegacyMarker);
        w.Write((byte)Operation);
        w.Write(ClientId);
        w.Write7BitEncodedInt64(Sequence);
        w.Write(Key);
        w.Write(Value);
    }

    internal static KvLegacyWriteCommand? Read(BinaryReader r)
    {
        var op = ReadWriteOperation(r);
        var (client, sequence, key, value) = (r.ReadString(), r.Read7BitEncodedInt64(), r.ReadString(), r.ReadString());
        return op is { } o ? new KvLegacyWriteCommand(client, sequence, o, key, value) : null;
    }
}
