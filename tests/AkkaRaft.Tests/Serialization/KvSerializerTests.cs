using System.Runtime.Serialization;
using Akka.TestKit.Xunit2;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Tests.Serialization;

public sealed class KvSerializerTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly KvSerializer _serializer;

    public KvSerializerTests() : base("akka.loglevel = WARNING") =>
        _serializer = new KvSerializer((ExtendedActorSystem)Sys);

    /// <summary>One instance of every type the serializer owns, with non-default values in every field.</summary>
    public static TheoryData<object> Samples() => new()
    {
        KvRegister.Instance,
        new KvRequest(17, 7, KvOperation.Append, "k", "v"),
        new KvRequest(0, 1, KvOperation.Get, "ü", ""),
        new KvRequest(long.MaxValue, long.MaxValue, KvOperation.Put, "k", "v"),
        new KvResponse(17, 7, KvStatus.Ok, "value", null),
        new KvResponse(17, 8, KvStatus.NotLeader, null, "n2"),
        new KvResponse(17, 9, KvStatus.Retry),
        new KvResponse(17, 10, KvStatus.SessionExpired),
        new KvResponse(123456789, 0, KvStatus.Ok),
        new KvRequests([new KvRequest(17, 7, KvOperation.Append, "k", "v"), new KvRequest(17, 8, KvOperation.Get, "ü", "")]),
        new KvRequests([new KvRequest(1, 1, KvOperation.Put, "k", "v")]),
        new KvResponses([new KvResponse(17, 7, KvStatus.Ok, "value", null), new KvResponse(18, 1, KvStatus.NotLeader, null, "n2")]),
    };

    /// <summary>A message as text, the items of a batch included (a record prints only its list's type).</summary>
    private static string Describe(object message) => message switch
    {
        KvRequests batch => $"KvRequests [{string.Join(", ", batch.Requests)}]",
        KvResponses batch => $"KvResponses [{string.Join(", ", batch.Responses)}]",
        _ => message.ToString()!,
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_type_round_trips(object original)
    {
        var bytes = _serializer.ToBinary(original);
        var back = _serializer.FromBinary(bytes, _serializer.Manifest(original));
        Assert.Equal(Describe(original), Describe(back));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void The_system_binds_every_type_to_this_serializer(object original)
    {
        KvConfig.Inject(Sys);
        Assert.IsType<KvSerializer>(Sys.Serialization.FindSerializerFor(original));
    }

    [Fact]
    public void Its_identifier_and_manifests_are_the_wire_format_of_earlier_versions()
    {
        // Changing any of these breaks every client and server of another build: they are the wire format.
        Assert.Equal(4818, _serializer.Identifier);
        Assert.Equal("KG", _serializer.Manifest(KvRegister.Instance));
        Assert.Equal("KQ2", _serializer.Manifest(new KvRequest(1, 1, KvOperation.Put, "k", "v")));
        Assert.Equal("KR2", _serializer.Manifest(new KvResponse(1, 1, KvStatus.Ok)));
        Assert.Equal("KQB", _serializer.Manifest(new KvRequests([])));
        Assert.Equal("KRB", _serializer.Manifest(new KvResponses([])));
    }

    [Fact]
    public void A_batch_of_more_requests_than_a_server_accepts_is_refused_when_decoded()
    {
        // The count is read before any item: a forged count cannot make the receiver allocate or loop past the bound.
        var many = Enumerable.Range(1, KvRequests.MaxCount + 1).Select(i => new KvRequest(1, i, KvOperation.Get, "k")).ToArray();
        var bytes = _serializer.ToBinary(new KvRequests(many[..KvRequests.MaxCount]));
        Assert.Equal(KvRequests.MaxCount, ((KvRequests)_serializer.FromBinary(bytes, KvSerializer.KvRequestsManifest)).Requests.Count);
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary(Encoded(KvRequests.MaxCount + 1, many), KvSerializer.KvRequestsManifest));
        Assert.Contains($"more than {KvRequests.MaxCount}", e.Message);
    }

    [Fact]
    public void A_batch_of_more_than_a_server_accepts_is_not_sent()
    {
        var many = Enumerable.Range(1, KvRequests.MaxCount + 1).Select(i => new KvRequest(1, i, KvOperation.Get, "k")).ToArray();
        var e = Assert.Throws<ArgumentException>(() => _serializer.ToBinary(new KvRequests(many)));
        Assert.Contains($"{KvRequests.MaxCount + 1} items", e.Message);
    }

    /// <summary>A batch of <paramref name="items"/> under a count of <paramref name="count"/>, encoded by hand.</summary>
    private byte[] Encoded(int count, KvRequest[] items)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write7BitEncodedInt(count);
            foreach (var item in items) w.Write(_serializer.ToBinary(item));
        }
        return stream.ToArray();
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Truncated_bytes_give_a_serialization_error(object original)
        => SerializerChecks.TruncatedBytesFail(_serializer, original);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Trailing_bytes_give_a_serialization_error(object original)
        => SerializerChecks.TrailingBytesFail(_serializer, original);

    [Fact]
    public void Random_bytes_never_throw_anything_but_a_serialization_error()
        => SerializerChecks.RandomBytesFailOnlyAsSerializationErrors(_serializer, Samples());

    [Theory]
    [InlineData("KQ")]
    [InlineData("KR")]
    public void A_key_value_message_of_the_retired_string_id_format_is_refused_with_a_clear_error(string manifest)
    {
        // The bytes an older client sent: a string client id, a sequence, an operation, a key and a value.
        byte[] bytes = [3, (byte)'c', (byte)'-', (byte)'1', 7, 1, 1, (byte)'k', 1, (byte)'v'];
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, manifest));
        Assert.Contains("older version", e.Message);
    }

    [Fact]
    public void An_unknown_key_value_status_is_refused()
    {
        var bytes = _serializer.ToBinary(new KvResponse(1, 1, KvStatus.Ok));
        bytes[2] = 99; // the status byte
        Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, KvSerializer.KvResponseManifest));
    }

    [Fact]
    public void An_unknown_manifest_is_named_in_the_error()
    {
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary([], "XYZ"));
        Assert.Contains("XYZ", e.Message);
    }
}
