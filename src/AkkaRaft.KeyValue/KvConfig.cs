using System.Runtime.CompilerServices;
using Akka.Configuration;
using AkkaRaft.Actors.Configuration;

namespace AkkaRaft.KeyValue;

/// <summary>The key-value store's defaults: its embedded <c>reference.conf</c>, which binds its messages to <see cref="KvSerializer"/>.</summary>
public static class KvConfig
{
    private static readonly ConditionalWeakTable<ActorSystem, object> Injected = new();

    private static readonly Lazy<Config> ReferenceConfig = new(() =>
    {
        using var stream = typeof(KvConfig).Assembly.GetManifestResourceStream("AkkaRaft.KeyValue.reference.conf")
            ?? throw new InvalidOperationException("AkkaRaft.KeyValue.reference.conf is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });

    /// <summary>The store's <c>reference.conf</c>: its serializer, binding and serializer identifier.</summary>
    public static Config DefaultConfig() => ReferenceConfig.Value;

    /// <summary>
    /// Makes <paramref name="system"/> aware of AkkaRaft's defaults and the store's, once per system. Akka.NET resolves
    /// serializer bindings lazily, so injecting them after start-up works.
    /// </summary>
    internal static void Inject(ActorSystem system)
    {
        RaftConfig.Inject(system);
        lock (Injected)
        {
            if (Injected.TryGetValue(system, out _)) return;
            system.Settings.InjectTopLevelFallback(DefaultConfig());
            Injected.Add(system, new object());
        }
    }
}
