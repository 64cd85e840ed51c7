using System.Buffers.Binary;
using System.Text;

namespace AkkaRaft.Persistence.RocksDb;

/// <summary>
/// The key layout. Every key starts with a kind byte, then the persistence id as a 4-byte big-endian length and its
/// UTF-8 bytes (so an id that is a prefix of another never shares its keys), then big-endian numbers, so RocksDB's
/// byte order is the order of sequence numbers:
/// <list type="bullet">
/// <item>event: 0x01, id, sequence number (8 bytes)</item>
/// <item>highest sequence number of an id, kept through deletes: 0x02, id</item>
/// <item>snapshot: 0x03, id, sequence number (8 bytes), timestamp (8 bytes, UTC ticks)</item>
/// </list>
/// </summary>
internal static class Keys
{
    public const byte EventKind = 0x01;
    public const byte HighestKind = 0x02;
    public const byte SnapshotKind = 0x03;

    /// <summary>Bytes any key for <paramref name="persistenceId"/> takes at most.</summary>
    public static int MaxLength(string persistenceId) => 1 + 4 + Encoding.UTF8.GetMaxByteCount(persistenceId.Length) + 16;

    /// <summary>Writes the kind and id into <paramref name="key"/>; returns the bytes written.</summary>
    public static int Prefix(Span<byte> key, byte kind, string persistenceId)
    {
        key[0] = kind;
        var length = Encoding.UTF8.GetBytes(persistenceId, key[5..]);
        BinaryPrimitives.WriteInt32BigEndian(key[1..], length);
        return 5 + length;
    }

    /// <summary>An event key (or a bound for a range of them: the number may be one past the highest).</summary>
    public static int Event(Span<byte> key, string persistenceId, ulong sequenceNr)
    {
        var at = Prefix(key, EventKind, persistenceId);
        BinaryPrimitives.WriteUInt64BigEndian(key[at..], sequenceNr);
        return at + 8;
    }

    public static byte[] Event(string persistenceId, ulong sequenceNr)
    {
        var key = new byte[MaxLength(persistenceId)];
        return key[..Event(key, persistenceId, sequenceNr)];
    }

    public static int HighestKey(Span<byte> key, string persistenceId) => Prefix(key, HighestKind, persistenceId);

    public static byte[] Snapshot(string persistenceId, ulong sequenceNr, long ticks)
    {
        var key = new byte[MaxLength(persistenceId)];
        var at = Prefix(key, SnapshotKind, persistenceId);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(at), sequenceNr);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(at + 8), ticks);
        return key[..(at + 16)];
    }

    /// <summary>The sequence number of an event key.</summary>
    public static long EventSequenceNr(ReadOnlySpan<byte> key) => (long)BinaryPrimitives.ReadUInt64BigEndian(key[^8..]);

    /// <summary>The sequence number and timestamp ticks of a snapshot key.</summary>
    public static (long SequenceNr, long Ticks) SnapshotOf(ReadOnlySpan<byte> key) =>
        ((long)BinaryPrimitives.ReadUInt64BigEndian(key[^16..]), BinaryPrimitives.ReadInt64BigEndian(key[^8..]));
}
