using System.Runtime.Serialization;
using Akka.Serialization;

namespace AkkaRaft.Tests.Serialization;

/// <summary>What every serializer of untrusted bytes must do, whatever its format: checks shared by the serializer tests.</summary>
internal static class SerializerChecks
{
    /// <summary>Every prefix of a valid message fails with a <see cref="SerializationException"/> that names the manifest.</summary>
    public static void TruncatedBytesFail(SerializerWithStringManifest serializer, object original)
    {
        var bytes = serializer.ToBinary(original);
        var manifest = serializer.Manifest(original);
        for (var length = 0; length < bytes.Length; length++)
        {
            var cut = bytes[..length];
            var e = Assert.Throws<SerializationException>(() => serializer.FromBinary(cut, manifest));
            Assert.Contains(manifest, e.Message);
        }
    }

    /// <summary>A valid message followed by one more byte fails with a <see cref="SerializationException"/>.</summary>
    public static void TrailingBytesFail(SerializerWithStringManifest serializer, object original)
    {
        var bytes = serializer.ToBinary(original).Append((byte)0).ToArray();
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, serializer.Manifest(original)));
    }

    /// <summary>Random bytes under each of the samples' manifests throw nothing but a <see cref="SerializationException"/>.</summary>
    public static void RandomBytesFailOnlyAsSerializationErrors(SerializerWithStringManifest serializer, IEnumerable<object[]> samples)
    {
        var random = new Random(12345);
        var manifests = samples.Select(row => serializer.Manifest(row[0])).Distinct().ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            try
            {
                serializer.FromBinary(bytes, manifests[i % manifests.Length]);
            }
            catch (SerializationException)
            {
                // the only acceptable failure
            }
        }
    }
}
