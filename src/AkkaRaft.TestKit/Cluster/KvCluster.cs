using System.Diagnostics;
using Akka.Configuration;
using AkkaRaft.Actors;
using AkkaRaft.KeyValue;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.TestKit;

/// <summary>
/// N key-value servers (<see cref="KvServer"/>) in one ActorSystem behind a <see cref="SimNetwork"/>, and clients whose
/// requests and replies cross it too. Servers are endpoints 0..N-1 (ids n1..nN), clients N and up. Record what the
/// clients see with a <see cref="HistoryRecorder"/> and check it with <see cref="LinearizabilityChecker"/>.
/// </summary>
public sealed partial class KvCluster : IDisposable
{
    private const int MaxClients = 64;
    private static int _clusters;

    private readonly ActorSystem _system;
    private readonly IActorRef?[] _servers;
    private readonly int[] _incarnation;
    private readonly IActorRef[][] _serverLinks;
    private int _clients;
    private readonly KvServerOptions? _kvOptions;

    /// <summary>Starts <paramref name="servers"/> servers in <paramref name="system"/>, all connected to each other.</summary>
    /// <param name="system">The ActorSystem the servers, clients and links run in.</param>
    /// <param name="servers">How many servers.</param>
    /// <param name="unreliable">Start with an unreliable network (see <see cref="SimNetwork.SetUnreliable"/>).</param>
    /// <param name="maxRaftState">Snapshot once the log holds this many bytes (Raft §7); -1 for no snapshots.</param>
    /// <param name="seed">Seeds the network's drops and delays; 0 picks one per cluster.</param>
    /// <param name="kvOptions">The servers' key-value options (e.g. a small session bound); the defaults when null.</param>
    /// <param name="tune">Adjusts the servers' Raft settings (pre-vote, check-quorum, timeouts) before they start.</param>
    /// <param name="members">How many of the servers form the initial group (servers 0..members-1); the others start with
    /// <c>akka.raft.join = on</c> and wait to be added (see <see cref="ChangeMembership"/>). 0: every server is a member.</param>
    public KvCluster(ActorSystem system, int servers, bool unreliable, long maxRaftState = -1, int seed = 0, KvServerOptions? kvOptions = null, Func<RaftSettings, RaftSettings>? tune = null,
        int members = 0)
    {
        if (members < 0 || members > servers) throw new ArgumentOutOfRangeException(nameof(members), $"must be between 0 and {servers}, is {members}");
        InitialMembers = members == 0 ? servers : members;
        _kvOptions = kvOptions;
        _system = system;
        RaftExtension.Get(system); // unsupervised peers start at once: start the clock from this thread (see RaftExtension)
        N = servers;
        MaxRaftState = maxRaftState;
        var number = Interlocked.Increment(ref _clusters);
        var settings = RaftSettings.Create(ConfigurationFactory.ParseString(
            $"akka.raft {{ cluster-id = \"kv{number}\", members = [{string.Join(",", Enumerable.Range(0, InitialMembers).Select(i => $"\"{Id(i)}\""))}] }}"));
        if (tune is not null) settings = tune(settings);
        Settings = maxRaftState > 0 ? settings.WithSnapshots(logBytes: maxRaftState) : settings;
        Network = new SimNetwork(servers + MaxClients, seed == 0 ? number * 7 : seed);
        Network.SetUnreliable(unreliable);
        for (var c = 0; c < MaxClients; c++) Network.SetConnected(servers + c, false);
        _servers = new IActorRef?[servers];
        _incarnation = new int[servers];
        _serverLinks = Enumerable.Range(0, servers).Select(from => Enumerable.Range(0, servers)
            .Select(to => system.ActorOf(Props.Create(() => new LinkActor(from, to, Network, () => _serverLinks![to][from])), $"{Settings.ClusterId}-link-{from}-{to}"))
            .ToArray()).ToArray();
        for (var i = 0; i < servers; i++) StartServer(i);
    }

    /// <summary>How many servers.</summary>
    public int N { get; }

    /// <summary>The log size in bytes that triggers a snapshot; -1 when servers take none.</summary>
    public long MaxRaftState { get; }

    /// <summary>The settings every server's peer runs with (its own peer id aside).</summary>
    public RaftSettings Settings { get; }

    /// <summary>The simulated network between servers and clients.</summary>
    public SimNetwork Network { get; }

    /// <summary>One election timeout, for scenarios that wait a few of them: the configured maximum.</summary>
    public TimeSpan ElectionTimeout => Settings.ElectionTimeoutMax;

    /// <summary>The member id of server <paramref name="i"/>: n1 for server 0.</summary>
    public static string Id(int i) => $"n{i + 1}";

    // ---- servers ----

    /// <summary>Starts server i from its journal (a fresh state machine rebuilt from snapshot and log).</summary>
    public void StartServer(int i)
    {
        if (_servers[i] is not null) throw new InvalidOperationException($"{Id(i)} is already running");
        var server = _system.ActorOf(KvServer.Props(ServerSettings(i), ServerPeers(i), kvOptions: _kvOptions), $"{Settings.ClusterId}-{Id(i)}-{++_incarnation[i]}");
        _servers[i] = server;
        Network.SetTarget(i, server);
    }

    /// <summary>
    /// Waits until every running server has recovered from its journal and answers, so a scenario starts with a working
    /// service. A server still recovering after <paramref name="within"/> (default 10 s) fails the test with a
    /// <see cref="RaftTestKitException"/> naming it.
    /// </summary>
    public async Task AwaitRecovered(TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        var pending = Enumerable.Range(0, N).Where(i => _servers[i] is not null).ToList();
        while (pending.Count > 0)
        {
            var left = limit - clock.Elapsed;
            if (left <= TimeSpan.Zero)
                throw new RaftTestKitException($"{string.Join(", ", pending.Select(Id))} still recovering after {limit.TotalSeconds:F0} s (thread pool: {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} items queued)");
            var answered = await Task.WhenAll(pending.Select(async i => (i, state: await GetState(i, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1)))));
            pending = answered.Where(a => a.state is null).Select(a => a.i).ToList();
        }
    }

    /// <summary>Stops server i; its journal survives for <see cref="StartServer"/>. Its links stay as they are.</summary>
    public async Task ShutdownServer(int i)
    {
        var server = _servers[i];
        if (server is null) return;
        Network.SetTarget(i, null);
        _servers[i] = null;
        var stopped = server.WatchAsync();
        _system.Stop(server);
        await stopped;
    }

    // ---- the network ----

    /// <summary>Servers in <paramref name="p1"/> reach each other, as do those in <paramref name="p2"/>, but not across. Clients are unaffected.</summary>
    public void Partition(int[] p1, int[] p2)
    {
        foreach (var a in p1.Concat(p2))
        {
            foreach (var b in p1.Concat(p2))
            {
                var same = p1.Contains(a) == p1.Contains(b);
                Network.SetLink(a, b, same);
            }
        }
    }

    /// <summary>Every server reaches every server, and every client every server.</summary>
    public void ConnectAll()
    {
        for (var a = 0; a < N; a++)
        for (var b = 0; b < N; b++)
            Network.SetLink(a, b, true);
        for (var c = N; c < N + _clients; c++) ConnectClient(c, Enumerable.Range(0, N).ToArray());
    }

    /// <summary>Turns message drops and short delays on or off (see <see cref="SimNetwork.SetUnreliable"/>).</summary>
    public void SetUnreliable(bool on) => Network.SetUnreliable(on);

    /// <summary>
    /// A new client connected to the servers <paramref name="to"/>, with a 500 ms attempt timeout and a 30 s operation
    /// timeout unless <paramref name="options"/> say otherwise. At most 64 clients per cluster.
    /// </summary>
    public KvClient MakeClient(int[] to, KvClientOptions? options = null)
    {
        var endpoint = N + _clients++;
        if (_clients > MaxClients) throw new InvalidOperationException($"at most {MaxClients} clients");
        var links = Enumerable.Range(0, N).ToDictionary(Id, j =>
            _system.ActorOf(Props.Create(() => new ClientLink(endpoint, j, Network)), $"{Settings.ClusterId}-client-{endpoint}-{j}"));
        ConnectClient(endpoint, to);
        _clientLinks[endpoint] = links;
        return NewClient(endpoint, options);
    }

    /// <summary>
    /// The same application restarted: a new client object on <paramref name="client"/>'s endpoint and links, as an
    /// application that stops and builds its client again would have.
    /// </summary>
    public KvClient RestartClient(KvClient client, KvClientOptions? options = null) => NewClient(_clientEndpoints[client], options);

    /// <summary>
    /// Sends <paramref name="message"/> from <paramref name="client"/>'s endpoint to server <paramref name="server"/>
    /// over the network and waits for the answer: a request exactly as a client would (re)send it.
    /// </summary>
    public Task<KvResponse> Send(KvClient client, int server, object message, TimeSpan? timeout = null) =>
        _clientLinks[_clientEndpoints[client]][Id(server)].Ask<KvResponse>(message, timeout ?? TimeSpan.FromSeconds(5));

    private KvClient NewClient(int endpoint, KvClientOptions? options)
    {
        var client = new KvClient(_system, RaftPeers.FromRefs(_clientLinks[endpoint]), options ?? new KvClientOptions
        {
            AttemptTimeout = TimeSpan.FromMilliseconds(500),
            OperationTimeout = TimeSpan.FromSeconds(30),
        });
        _clientEndpoints[client] = endpoint;
        return client;
    }

    private readonly Dictionary<KvClient, int> _clientEndpoints = new();
    private readonly Dictionary<int, Dictionary<string, IActorRef>> _clientLinks = new();

    /// <summary>Connects <paramref name="client"/> to exactly the servers <paramref name="to"/>.</summary>
    public void ConnectClient(KvClient client, int[] to) => ConnectClient(_clientEndpoints[client], to);

    private void ConnectClient(int endpoint, int[] to)
    {
        Network.SetConnected(endpoint, true);
        for (var j = 0; j < N; j++)
        {
            Network.SetLink(endpoint, j, to.Contains(j));
            Network.SetLink(j, endpoint, to.Contains(j));
        }
    }

    // ---- state ----

    /// <summary>Server <paramref name="i"/>'s Raft state; null when it is down or does not answer within 3 s.</summary>
    public Task<RaftState?> GetState(int i) => GetState(i, TimeSpan.FromSeconds(3));

    private async Task<RaftState?> GetState(int i, TimeSpan timeout)
    {
        var server = _servers[i];
        if (server is null) return null;
        try { return await server.Ask<RaftState>(AkkaRaft.Actors.GetState.Instance, timeout); }
        catch (AskTimeoutException) { return null; }
    }

    private async Task<RaftState[]> States() =>
        (await Task.WhenAll(Enumerable.Range(0, N).Select(GetState))).Where(s => s is not null).Select(s => s!).ToArray();

    /// <summary>The largest persisted Raft state (beyond the snapshot) of any running server, in bytes.</summary>
    public async Task<long> LogSize() => (await States()).Select(s => s.LogBytes).DefaultIfEmpty(0).Max();

    /// <summary>The largest snapshot any running server holds, in bytes.</summary>
    public async Task<long> SnapshotSize() => (await States()).Select(s => s.SnapshotBytes).DefaultIfEmpty(0).Max();

    /// <summary>Waits up to 5 s for a server that believes it leads; returns its index.</summary>
    public async Task<int> Leader()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            var states = await States();
            var leader = states.Where(s => s.IsLeader).OrderByDescending(s => s.Term).FirstOrDefault();
            if (leader is not null) return int.Parse(leader.PeerId.AsSpan(1)) - 1;
            await Task.Delay(50);
        }
        throw new RaftTestKitException("no leader within 5 s");
    }

    /// <summary>Stops every running server.</summary>
    public void Dispose()
    {
        foreach (var s in _servers)
        {
            if (s is not null) _system.Stop(s);
        }
    }

    /// <summary>
    /// When the network drops a request or its reply, or the server is cut off or down, the client's attempt fails at
    /// once rather than after its timeout, as a refused connection would, so a client tries each server in rapid
    /// succession. The asker's attempt fails with an <see cref="AskTimeoutException"/>,
    /// which a <see cref="KvClient"/> treats as no answer: it tries the next server. A server that is up and reachable
    /// but does not answer (a leader cut off from its majority) still costs the client its attempt timeout.
    /// </summary>
    private static void Fail(IActorRef asker) =>
        asker.Tell(new Status.Failure(new AskTimeoutException("the simulated network lost the request or its reply")));

    /// <summary>Client endpoint → server j: the request crosses the network, and so does the reply, back to the asker.</summary>
    private sealed class ClientLink : ReceiveActor, IWithTimers
    {
        private sealed record Deliver(object Message, IActorRef Asker);
        private long _delayed;
        public ITimerScheduler Timers { get; set; } = null!;

        public ClientLink(int client, int server, SimNetwork network)
        {
            Receive<Deliver>(d => Forward(d.Message, d.Asker));
            ReceiveAny(message =>
            {
                var delay = network.OnSend(client, server, message);
                if (delay is null) { Fail(Sender); return; }
                if (delay == TimeSpan.Zero) Forward(message, Sender);
                else Timers.StartSingleTimer(++_delayed, new Deliver(message, Sender), delay.Value);
            });

            void Forward(object message, IActorRef asker)
            {
                if (network.OnDeliver(client, server, message) is not { } target) { Fail(asker); return; }
                var reply = Context.ActorOf(Props.Create(() => new ReplyRelay(server, client, network, asker)));
                target.Tell(message, reply);
            }
        }
    }

    /// <summary>Carries one reply from a server back to the asking client over the network, then stops.</summary>
    private sealed class ReplyRelay : ReceiveActor, IWithTimers
    {
        private sealed record Deliver(object Message);
        public ITimerScheduler Timers { get; set; } = null!;

        public ReplyRelay(int server, int client, SimNetwork network, IActorRef asker)
        {
            Context.SetReceiveTimeout(TimeSpan.FromSeconds(30));
            Receive<ReceiveTimeout>(_ => Context.Stop(Self));
            Receive<Deliver>(d => Finish(d.Message));
            ReceiveAny(message =>
            {
                var delay = network.OnSend(server, client, message);
                if (delay is null) { Fail(asker); Context.Stop(Self); return; }
                if (delay == TimeSpan.Zero) Finish(message);
                else Timers.StartSingleTimer("reply", new Deliver(message), delay.Value);
            });

            void Finish(object message)
            {
                if (network.CanDeliver(server, client)) asker.Tell(message);
                else Fail(asker);
                Context.Stop(Self);
            }
        }
    }
}
