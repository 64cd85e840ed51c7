using System.Runtime.CompilerServices;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Hosting;

/// <summary>
/// Runs AkkaRaft under Akka.Hosting: <c>WithRaft</c> starts a Raft peer and <c>WithRaftKeyValueStore</c> a server of the
/// replicated key-value store, each once the ActorSystem has started, registered in the <see cref="ActorRegistry"/> under
/// a key type (<see cref="RaftPeer"/> and <see cref="RaftKeyValueStore"/> unless you give your own) so that
/// <c>IRequiredActor&lt;TKey&gt;</c> finds it. Both add AkkaRaft's defaults (its <c>reference.conf</c>, with the
/// serializer bindings) and whatever the chosen <see cref="RaftJournal"/> needs to the ActorSystem's configuration.
/// </summary>
public static class RaftHostingExtensions
{
    /// <summary>The registry keys and actor names each builder has been given, to refuse a second use at build time.</summary>
    private static readonly ConditionalWeakTable<AkkaConfigurationBuilder, HashSet<string>> Claimed = new();

    /// <summary>Starts a Raft peer, registered under <see cref="RaftPeer"/>.</summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the one-line message names it.</exception>
    public static AkkaConfigurationBuilder WithRaft(this AkkaConfigurationBuilder builder, RaftOptions options) =>
        builder.WithRaft<RaftPeer>(options);

    /// <summary>Starts a Raft peer, registered under <see cref="RaftPeer"/>, with the options <paramref name="configure"/> sets.</summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the one-line message names it.</exception>
    public static AkkaConfigurationBuilder WithRaft(this AkkaConfigurationBuilder builder, Action<RaftOptions> configure) =>
        builder.WithRaft<RaftPeer>(Configured(configure));

    /// <summary>
    /// Starts a Raft peer (<see cref="RaftActor.SupervisedProps"/>, at <c>/user/raft</c> unless
    /// <see cref="RaftOptions.ActorName"/> says otherwise), registered under <typeparamref name="TKey"/>: one key type per
    /// peer when an ActorSystem hosts several.
    /// </summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the one-line message names it.</exception>
    public static AkkaConfigurationBuilder WithRaft<TKey>(this AkkaConfigurationBuilder builder, RaftOptions options) =>
        builder.WithHostedPeer<TKey>(options, "raft", (system, registry, settings, peers, actorOptions) =>
            RaftActor.SupervisedProps(settings, peers,
                actorOptions with { ApplyTo = options.ApplyTo?.Invoke(system, registry) },
                options.MinBackoff, options.MaxBackoff));

    /// <summary>Starts a server of the replicated key-value store, registered under <see cref="RaftKeyValueStore"/>.</summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the one-line message names it.</exception>
    public static AkkaConfigurationBuilder WithRaftKeyValueStore(this AkkaConfigurationBuilder builder, RaftOptions options, KvServerOptions? serverOptions = null) =>
        builder.WithRaftKeyValueStore<RaftKeyValueStore>(options, serverOptions);

    /// <summary>
    /// Starts a server of the replicated key-value store, registered under <see cref="RaftKeyValueStore"/>, with the
    /// options <paramref name="configure"/> sets.
    /// </summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the one-line message names it.</exception>
    public static AkkaConfigurationBuilder WithRaftKeyValueStore(this AkkaConfigurationBuilder builder, Action<RaftOptions> configure) =>
        builder.WithRaftKeyValueStore<RaftKeyValueStore>(Configured(configure));

    /// <summary>
    /// Starts a server of the replicated key-value store (<see cref="KvServer.Props"/>, at <c>/user/kv</c> unless
    /// <see cref="RaftOptions.ActorName"/> says otherwise), registered under <typeparamref name="TKey"/>. The paths in
    /// <see cref="RaftOptions.Members"/> are those of the other servers. Get a client with
    /// <see cref="RaftKeyValueClientExtensions.CreateKvClient{TKey}"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the one-line message names it.</exception>
    public static AkkaConfigurationBuilder WithRaftKeyValueStore<TKey>(this AkkaConfigurationBuilder builder, RaftOptions options, KvServerOptions? serverOptions = null)
    {
        var kv = serverOptions ?? new KvServerOptions();
        var (settings, paths) = options.Resolve(RaftSettings.DefaultConfig());
        try
        {
            KvServer.Props(settings, RaftPeers.FromPaths(paths), null, kv); // checks the server options now, while the host is being built
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"{e.Message.Split('\n')[0].Trim()}", e);
        }
        AppendOnce(builder, "AkkaRaft.KeyValue", KvConfig.DefaultConfig());
        return builder.WithHostedPeer<TKey>(options, "kv", (_, _, settings, peers, actorOptions) =>
            KvServer.Props(settings, peers, actorOptions, kv));
    }

    private static AkkaConfigurationBuilder WithHostedPeer<TKey>(
        this AkkaConfigurationBuilder builder, RaftOptions options, string defaultName,
        Func<ActorSystem, IActorRegistry, RaftSettings, RaftPeers, RaftActorOptions, Props> props)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        options.Resolve(RaftSettings.DefaultConfig()); // fail now, while the host is being built
        var journal = options.Journal ?? RaftJournal.SystemDefault;
        var name = options.ActorName ?? defaultName;
        var claimed = Claimed.GetOrCreateValue(builder);
        lock (claimed)
        {
            if (claimed.Contains("key:" + typeof(TKey).FullName))
                throw new ArgumentException($"a Raft peer is registered under {typeof(TKey).Name} already: give each peer of this ActorSystem its own key type (WithRaft<TKey>, WithRaftKeyValueStore<TKey>)");
            if (claimed.Contains("name:" + name))
                throw new ArgumentException($"RaftOptions.ActorName '{name}' is taken by another peer of this ActorSystem: give each one its own name");
            claimed.Add("key:" + typeof(TKey).FullName);
            claimed.Add("name:" + name);
        }
        AppendOnce(builder, "AkkaRaft.Actors", RaftSettings.DefaultConfig());
        journal.Configure(builder);
        return builder.WithActors((system, registry) =>
        {
            // The options lie over the system's own akka.raft section, which falls back to the library's defaults.
            var (settings, paths) = options.Resolve(system.Settings.Config);
            var peers = RaftPeers.FromPaths(paths);
            var actorOptions = new RaftActorOptions { JournalPluginId = journal.JournalPluginId, SnapshotPluginId = journal.SnapshotPluginId };
            var leaders = new LeaderWatch(TimeProvider.System);
            var watcher = system.ActorOf(LeaderWatchActor.Props(settings.ClusterId, settings.PeerId, leaders), $"{name}-leader-watch");
            system.EventStream.Subscribe(watcher, typeof(RaftRoleChanged));
            var actor = system.ActorOf(props(system, registry, settings, peers, actorOptions), name);
            RaftHostingRegistry.Get(system).Add(typeof(TKey), new HostedPeer(settings, paths, actor, leaders));
            registry.Register<TKey>(actor);
        });
    }

    /// <summary>
    /// Appends a module's defaults to the builder's configuration, once: Akka.Hosting refuses a configuration that would
    /// become its own fallback, and a second copy would add nothing.
    /// </summary>
    internal static void AppendOnce(AkkaConfigurationBuilder builder, string module, Akka.Configuration.Config defaults)
    {
        var claimed = Claimed.GetOrCreateValue(builder);
        lock (claimed)
            if (!claimed.Add("defaults:" + module)) return;
        builder.AddHocon(defaults, HoconAddMode.Append);
    }

    private static RaftOptions Configured(Action<RaftOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new RaftOptions();
        configure(options);
        return options;
    }
}
