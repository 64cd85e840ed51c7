using Akka.Configuration;

namespace AkkaRaft.Host;

/// <summary>
/// With <c>akkaraft.inline-socket-completions = on</c> (the default) a node has .NET run the continuation of each
/// socket operation on the runtime's socket thread instead of handing it to a pool thread. Akka.Remote's transport
/// (DotNetty) only queues the received bytes for its own event loop there, so each message a node receives wakes
/// one thread fewer. That is only safe while nothing in the process makes a synchronous socket call from such a
/// continuation: it would wait for the very thread it runs on. The Prometheus endpoint's HttpListener can (it ends a
/// response with a synchronous write), so a node that serves <c>--metrics-port</c> keeps the pool.
/// </summary>
internal static class SocketCompletions
{
    public const string Key = "akkaraft.inline-socket-completions";

    /// <summary>The runtime's own switch; read once, when the process first waits on a socket.</summary>
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Whether the node runs socket continuations inline: the cluster file's <see cref="Key"/>, unless the node serves a
    /// metrics page, or <paramref name="environment"/> (the <see cref="Variable"/> the node was started with) decides.
    /// </summary>
    /// <exception cref="HostError">The key is neither on nor off, or the variable asks for inline completions with a metrics page.</exception>
    public static bool Inline(Config config, int? metricsPort, string? environment)
    {
        var wanted = OnOffKey.Read(config, Key);
        if (!string.IsNullOrEmpty(environment))
        {
            if (environment == "1" && metricsPort is not null)
                throw new HostError($"{Variable}=1 cannot be combined with --metrics-port: the metrics endpoint writes to its socket synchronously, which inline completions can deadlock");
            return environment == "1";
        }
        return wanted && metricsPort is null;
    }

    /// <summary>
    /// Decides as <see cref="Inline"/> and sets the runtime's switch for this process. Call it before the process's
    /// first asynchronous socket operation; the switch is read once.
    /// </summary>
    /// <exception cref="HostError">As <see cref="Inline"/>.</exception>
    public static void Apply(Config config, int? metricsPort) =>
        Apply(config, metricsPort, Environment.GetEnvironmentVariable, Environment.SetEnvironmentVariable);

    /// <summary>As the public overload, reading and writing the variable through <paramref name="read"/> and <paramref name="write"/>.</summary>
    internal static void Apply(Config config, int? metricsPort, Func<string, string?> read, Action<string, string> write)
    {
        var environment = read(Variable);
        if (Inline(config, metricsPort, environment) && string.IsNullOrEmpty(environment)) write(Variable, "1");
    }
}
