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
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_type_round_trips(object original)
    {
        var bytes = _serializer.ToBinary(original);
        var back = _serializer.FromBinary(bytes, _serializer.Manifest(original));
        Assert.Equal(original.ToString(), back.ToString());
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
