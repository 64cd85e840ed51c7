using System.Text;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors.Serialization;

/// <summary>
/// Reads the binary wire format <see cref="WireWriter"/> and <see cref="BinaryWriter"/> write, with every length checked
/// against what remains, so hostile bytes cannot make it allocate. Shared by the serializers of AkkaRaft's modules
/// (the key-value store's among them), so they all refuse bad bytes the same way.
/// </summary>
internal sealed class WireReader
{
    private readonly BinaryReader _r;
    private readonly long _length;

    public WireReader(byte[] bytes)
    {
        _length = bytes.Length;
        _r = new BinaryReader(new MemoryStream(bytes, writable: false), new UTF8Encoding(false, throwOnInvalidBytes: true));
    }

    /// <summary>
    /// True for the exceptions this reader throws on bytes that do not decode; a serializer turns them into a
    /// <see cref="System.Runtime.Serialization.SerializationException"/> naming the manifest.
    /// </summary>
    public static bool IsDecodeError(Exception e) =>
        e is EndOfStreamException or FormatException or DecoderFallbackException or OverflowException or InvalidDataException;

    private long Remaining => _length - _r.BaseStream.Position;

    public long Long() => _r.Read7BitEncodedInt64();

    public bool Bool() => _r.ReadByte() switch
    {
        0 => false,
        1 => true,
        var b => throw new InvalidDataException($"byte {b} is not a boolean"),
    };

    public string String()
    {
        var length = _r.Read7BitEncodedInt();
        if (length < 0 || length > Remaining) throw new InvalidDataException($"string of {length} bytes with {Remaining} left");
        _r.BaseStream.Position -= SizeOf7Bit(length);
        return _r.ReadString();
    }

    public string? OptionalString() => Bool() ? String() : null;

    public byte[] Bytes()
    {
        var length = _r.Read7BitEncodedInt();
        if (length < 0 || length > Remaining) throw new InvalidDataException($"{length} command bytes with {Remaining} left");
        return _r.ReadBytes(length);
    }

    /// <summary>An enum written as one byte; a byte that names no member is refused.</summary>
    public T Enum<T>() where T : struct, Enum
    {
        var b = _r.ReadByte();
        var value = (T)System.Enum.ToObject(typeof(T), b);
        return System.Enum.IsDefined(value) ? value : throw new InvalidDataException($"byte {b} is not a {typeof(T).Name}");
    }

    /// <summary>A count of items that take at least <paramref name="minBytesEach"/> bytes each, bounded by what is left.</summary>
    public int Count(int minBytesEach = 2)
    {
        var count = _r.Read7BitEncodedInt();
        if (count < 0 || count > Remaining / minBytesEach) throw new InvalidDataException($"{count} items with {Remaining} bytes left");
        return count;
    }

    public IReadOnlyList<LogEntry> Entries()
    {
        var count = _r.Read7BitEncodedInt();
        // Every entry takes at least three bytes (index, term, length), which bounds a hostile count.
        if (count < 0 || count > Remaining / 3) throw new InvalidDataException($"{count} entries with {Remaining} bytes left");
        var entries = new LogEntry[count];
        for (var i = 0; i < count; i++) entries[i] = new LogEntry(Long(), Long(), Bytes());
        return entries;
    }

    /// <summary>Refuses trailing bytes: a message is all of its bytes or nothing.</summary>
    public void End()
    {
        if (Remaining != 0) throw new InvalidDataException($"{Remaining} unexpected trailing bytes");
    }

    private static int SizeOf7Bit(int value)
    {
        var size = 1;
        while ((value >>= 7) != 0) size++;
        return size;
    }
}
