using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using AkkaRaft.Persistence.RocksDb;

namespace AkkaRaft.Tests.Persistence;

/// <summary>Configuration and scratch directories for the RocksDB plugin tests.</summary>
internal static class RocksDbTestSupport
{
    /// <summary>A fresh, not yet existing, database directory under the temp directory.</summary>
    public static string NewPath() =>
        Path.Combine(Path.GetTempPath(), "rocks-journal-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Both plugins on <paramref name="path"/>, with a serializer that refuses <see cref="Unserializable"/>.</summary>
    public static Config ConfigFor(string path) => ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        # The first reply waits for the database to open and the plugin to be compiled; on a loaded machine that
        # takes seconds. Nothing here depends on a reply coming fast, only on it coming.
        akka.test.single-expect-default = 20s
        akka.persistence.journal.plugin = "akka.persistence.journal.rocksdb"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.rocksdb"
        akka.persistence.journal.rocksdb.path = "{{path}}"
        akka.persistence.snapshot-store.rocksdb.path = "{{path}}"
        akka.actor.serializers.refusing = "AkkaRaft.Tests.Persistence.RefusingSerializer, AkkaRaft.Tests"
        akka.actor.serialization-bindings {
          "AkkaRaft.Tests.Persistence.Unserializable, AkkaRaft.Tests" = refusing
          "AkkaRaft.Tests.Persistence.Unreadable, AkkaRaft.Tests" = refusing
        }
        """).WithFallback(RocksDbPersistence.DefaultConfiguration);

    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A scratch directory under the temp directory; the next run does not depend on it.
        }
    }
}

/// <summary>An event the configured serializer refuses to write.</summary>
public sealed record Unserializable(string Text);

/// <summary>A snapshot the configured serializer writes but refuses to read back.</summary>
public sealed record Unreadable(string Text);

/// <summary>Refuses to serialize <see cref="Unserializable"/>; serializes <see cref="Unreadable"/> but never reads it.</summary>
public sealed class RefusingSerializer(ExtendedActorSystem system) : Serializer(system)
{
    /// <inheritdoc />
    public override int Identifier => 7419;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => obj switch
    {
        Unreadable unreadable => System.Text.Encoding.UTF8.GetBytes(unreadable.Text),
        _ => throw new InvalidOperationException($"{obj.GetType().Name} cannot be serialized"),
    };

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, Type? type) => throw new InvalidOperationException("this payload cannot be read back");
}
