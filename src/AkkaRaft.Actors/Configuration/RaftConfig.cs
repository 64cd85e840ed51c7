using System.Runtime.CompilerServices;

namespace AkkaRaft.Actors.Configuration;

/// <summary>
/// Makes an ActorSystem aware of AkkaRaft's defaults (reference.conf), including the serializer bindings,
/// once per system. Akka.NET resolves serializer bindings lazily, so injecting them after start-up works.
/// </summary>
internal static class RaftConfig
{
    private static readonly ConditionalWeakTable<ActorSystem, object> Injected = new();

    public static void Inject(ActorSystem system)
    {
        lock (Injected)
        {
            if (Injected.TryGetValue(system, out _)) return;
            system.Settings.InjectTopLevelFallback(RaftSettings.DefaultConfig());
            Injected.Add(system, new object());
        }
    }
}
