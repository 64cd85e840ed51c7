using System.Runtime.Serialization;
using System.Text;
using Akka.Serialization;
using AkkaRaft.Actors.Serialization;

namespace AkkaRaft.KeyValue;

/// <summary>
/// Compact binary encoding of the key-value store's wire messages (<see cref="IKvMessage"/>), in the same format as
/// AkkaRaft's own serializer: short, stable manifests, variable-length integers, and bytes that do not decode raise a
/// <see cref="SerializationException"/> naming the manifest and the problem, never a partial object. Bound in the
/// store's <c>reference.conf</c>.
/// </summary>
internal sealed class KvSerializer : SerializerWithStringManifest
{
    /// <summary>
    /// The serializer id bound in reference.conf. It travels with every message, so it is part of the wire format:
    /// never change it. AkkaRaft's own serializer is 4817.
    /// </summary>
    public const int SerializerId = 4818;

    // Manifests are part of the wire format: never change or reuse one. These are the strings the messages carried
    // when AkkaRaft's own serializer encoded them, so servers and clients of either build still understand each other.
    // "KQ" and "KR" carried the requests and answers of clients with string ids, before sessions were registered
    // through the log: retired, refused with a clear error, never to be reused.
    internal const string RetiredKvRequestManifest = "KQ";
    internal const string RetiredKvResponseManifest = "KR";
    internal const string KvRegisterManifest = "KG";
    internal const string KvRequestManifest = "KQ2";
    internal const string KvResponseManifest = "KR2";
    internal const string KvRequestsManifest = "KQB";
    internal const string KvResponsesManifest = "KRB";

    /// <summary>The fewest bytes a request (two integers, an operation, two strings) or an answer (two integers, a status, two flags) takes.</summary>
    private const int MinRequestBytes = 5;
    private const int MinResponseBytes = 5;

    /// <summary>Created by Akka.NET's serialization extension.</summary>
    public KvSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        KvRegister => KvRegisterManifest,
        KvRequest => KvRequestManifest,
        KvResponse => KvResponseManifest,
        KvRequests => KvRequestsManifest,
        KvResponses => KvResponsesManifest,
        _ => throw new ArgumentException($"{nameof(KvSerializer)} cannot serialize {o.GetType().FullName}"),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream(64);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (obj)
            {
                case KvRegister:
                    break;
                case KvRequest m:
                    Write(w, m);
                    break;
                case KvResponse m:
                    Write(w, m);
                    break;
                case KvRequests m:
                    WriteCount(w, m.Requests.Count, nameof(KvRequests));
                    foreach (var request in m.Requests) Write(w, request);
                    break;
                case KvResponses m:
                    WriteCount(w, m.Responses.Count, nameof(KvResponses));
                    foreach (var response in m.Responses) Write(w, response);
                    break;
                default:
                    throw new ArgumentException($"{nameof(KvSerializer)} cannot serialize {obj.GetType().FullName}");
            }
        }
        return stream.ToArray();
    }

    /// <inheritdoc />
    /// <exception cref="SerializationException">The bytes are not a valid encoding for <paramref name="manifest"/>.</exception>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            var r = new WireReader(bytes);
            object result = manifest switch
            {
                KvRegisterManifest => KvRegister.Instance,
                KvRequestManifest => ReadRequest(r),
                KvResponseManifest => ReadResponse(r),
                KvRequestsManifest => new KvRequests(ReadMany(r, MinRequestBytes, ReadRequest)),
                KvResponsesManifest => new KvResponses(ReadMany(r, MinResponseBytes, ReadResponse)),
                RetiredKvRequestManifest or RetiredKvResponseManifest => throw new SerializationException(
                    $"AkkaRaft '{manifest}' is a key-value message of an older version (string client ids); upgrade that client"),
                _ => throw new SerializationException($"unknown AkkaRaft key-value manifest '{manifest}'"),
            };
            r.End();
            return result;
        }
        catch (Exception e) when (WireReader.IsDecodeError(e))
        {
            throw new SerializationException($"cannot decode AkkaRaft '{manifest}' from {bytes.Length} bytes: {e.Message}", e);
        }
    }

    private static void Write(BinaryWriter w, KvRequest m)
    {
        w.Write7BitEncodedInt64(m.SessionId);
        w.Write7BitEncodedInt64(m.Sequence);
        w.Write((byte)m.Operation);
        w.Write(m.Key);
        w.Write(m.Value);
    }

    private static void Write(BinaryWriter w, KvResponse m)
    {
        w.Write7BitEncodedInt64(m.SessionId);
        w.Write7BitEncodedInt64(m.Sequence);
        w.Write((byte)m.Status);
        w.WriteOptional(m.Value);
        w.WriteOptional(m.LeaderId);
    }

    private static void WriteCount(BinaryWriter w, int count, string what)
    {
        if (count > KvRequests.MaxCount)
            throw new ArgumentException($"{what} holds {count} items, more than the {KvRequests.MaxCount} a receiver accepts");
        w.Write7BitEncodedInt(count);
    }

    private static KvRequest ReadRequest(WireReader r) => new(r.Long(), r.Long(), r.Enum<KvOperation>(), r.String(), r.String());

    private static KvResponse ReadResponse(WireReader r) => new(r.Long(), r.Long(), r.Enum<KvStatus>(), r.OptionalString(), r.OptionalString());

    /// <summary>A count bounded by <see cref="KvRequests.MaxCount"/> and by the bytes left, then that many items.</summary>
    private static T[] ReadMany<T>(WireReader r, int minBytesEach, Func<WireReader, T> read)
    {
        var count = r.Count(minBytesEach);
        if (count > KvRequests.MaxCount) throw new InvalidDataException($"{count} items, more than {KvRequests.MaxCount}");
        var items = new T[count];
        for (var i = 0; i < count; i++) items[i] = read(r);
        return items;
    }
}
