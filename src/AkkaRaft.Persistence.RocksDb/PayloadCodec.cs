using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace AkkaRaft.Persistence.RocksDb;

/// <summary>
/// Turns a payload (an event or a snapshot) into a stored value with Akka's serialization and back. A value is: format
/// version (1 byte, 1), serializer id (4 bytes), timestamp (8 bytes), the serializer's manifest, the event adapter's
/// manifest, the writer id (each a 2-byte length and UTF-8), then the serializer's bytes. All numbers big-endian.
/// </summary>
internal sealed class PayloadCodec(ExtendedActorSystem system)
{
    private const byte Version = 1;
    private const int FixedHeader = 1 + 4 + 8;

    private readonly Akka.Serialization.Serialization _serialization = system.Serialization;

    /// <summary>
    /// Appends the value for <paramref name="payload"/> to <paramref name="output"/>. Throws if the payload cannot be
    /// serialized; nothing is appended then.
    /// </summary>
    public void Encode(object payload, long timestamp, string adapterManifest, string writerGuid, ArrayBufferWriter<byte> output)
    {
        var serializer = _serialization.FindSerializerFor(payload);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, payload);
        var bytes = Akka.Serialization.Serialization.WithTransport(system, (serializer, payload),
            static state => state.serializer.ToBinary(state.payload));
        var size = FixedHeader + 6 + Encoding.UTF8.GetMaxByteCount(manifest.Length)
            + Encoding.UTF8.GetMaxByteCount(adapterManifest.Length)
            + Encoding.UTF8.GetMaxByteCount(writerGuid.Length) + bytes.Length;
        var span = output.GetSpan(size);
        span[0] = Version;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], serializer.Identifier);
        BinaryPrimitives.WriteInt64BigEndian(span[5..], timestamp);
        var at = FixedHeader;
        at += WriteString(span[at..], manifest);
        at += WriteString(span[at..], adapterManifest);
        at += WriteString(span[at..], writerGuid);
        bytes.CopyTo(span[at..]);
        output.Advance(at + bytes.Length);
    }

    /// <summary>Reads a value back; throws <see cref="FormatException"/> when it is not one this codec wrote.</summary>
    public Decoded Decode(ReadOnlySpan<byte> value)
    {
        if (value.Length < FixedHeader + 6 || value[0] != Version)
            throw new FormatException($"stored value of {value.Length} bytes has an unknown layout (version byte {(value.Length > 0 ? value[0] : -1)})");
        var serializerId = BinaryPrimitives.ReadInt32BigEndian(value[1..]);
        var timestamp = BinaryPrimitives.ReadInt64BigEndian(value[5..]);
        var at = FixedHeader;
        var manifest = ReadString(value, ref at);
        var adapterManifest = ReadString(value, ref at);
        var writerGuid = ReadString(value, ref at);
        var payload = _serialization.Deserialize(value[at..].ToArray(), serializerId, manifest);
        return new Decoded(payload, adapterManifest, writerGuid, timestamp);
    }

    internal readonly record struct Decoded(object Payload, string AdapterManifest, string WriterGuid, long Timestamp);

    private static int WriteString(Span<byte> span, string text)
    {
        var length = Encoding.UTF8.GetBytes(text, span[2..]);
        if (length > ushort.MaxValue)
            throw new ArgumentException($"manifest or writer id of {length} bytes is longer than {ushort.MaxValue}");
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)length);
        return 2 + length;
    }

    private static string ReadString(ReadOnlySpan<byte> value, ref int at)
    {
        if (value.Length < at + 2) throw new FormatException("stored value is cut short");
        var length = BinaryPrimitives.ReadUInt16BigEndian(value[at..]);
        at += 2;
        if (value.Length < at + length) throw new FormatException("stored value is cut short");
        var text = length == 0 ? "" : Encoding.UTF8.GetString(value.Slice(at, length));
        at += length;
        return text;
    }
}
