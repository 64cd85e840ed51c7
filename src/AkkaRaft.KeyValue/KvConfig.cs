using Akka.Configuration;
using AkkaRaft.Actors;

namespace AkkaRaft.KeyValue;

/// <summary>The key-value store's defaults: its embedded <c>reference.conf</c>, which binds its messages to <see cref="KvSerializer"/>.</summary>
public static class KvConfig
{
    private static readonly Lazy<Config> ReferenceConfig = new(() =>
    {
        using var stream = typeof(KvConfig).Assembly.GetManifestResourceStream("AkkaRaft.KeyValue.reference.conf")
            ?? throw new InvalidOperationException("AkkaRaft.KeyValue.reference.conf is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });

    /// <summary>The store's <c>reference.conf</c>: its serializer, binding and serializer identifier.</summary>
    public static Config DefaultConfig() => ReferenceConfig.Value;

    /// <summary>Makes <paramref name="system"/> aware of AkkaRaft's defaults and the store's, once per system.</summary>
    internal static void Inject(ActorSystem system) => system.WithExtension<KvDefaults, KvDefaultsProvider>();
}

/// <summary>
/// The store's defaults in a system, added once by Akka's extension mechanism after AkkaRaft's own. Akka.NET resolves
/// serializer bindings lazily, so bindings added after start-up still apply.
/// </summary>
internal sealed class KvDefaults : IExtension
{
    public KvDefaults(ExtendedActorSystem system)
    {
        RaftExtension.Get(system);
        system.Settings.InjectTopLevelFallback(KvConfig.DefaultConfig());
    }
}

internal sealed class KvDefaultsProvider : ExtensionIdProvider<KvDefaults>
{
    public override KvDefaults CreateExtension(ExtendedActorSystem system) => new(system);
}
