using System.Diagnostics;
using Akka.Actor;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Akka.Configuration;

namespace AkkaRaft.TestKit;

/// <summary>
/// N Raft peers in one ActorSystem behind a <see cref="SimNetwork"/> that can disconnect, partition, drop, delay and
/// reorder their messages, with controls to crash and restart peers. Peers are numbered 0..N-1 (ids n1..nN). Every
/// entry each peer applies is checked as it happens: the same command at the same index on every peer, in order, no
/// gaps, no repeats (Raft §5.3, State Machine Safety); <see cref="ThrowIfApplyErrors"/> and the agreement checks
/// report a violation as a <see cref="RaftTestKitException"/>.
/// </summary>
/// <remarks>
/// Network delays and the peers' timers run on the ActorSystem's scheduler, so they follow virtual time under
/// <c>Akka.TestKit.TestScheduler</c> (advance it, then read <see cref="GetState"/>); the waiting checks (<see cref="CheckOneLeader"/>, <see cref="One(byte[], int, bool)"/>,
/// <see cref="Wait"/>) poll on real time, for an ActorSystem configured like <see cref="HarnessConfig.RealTime"/>.
/// Dispose the cluster (or its ActorSystem) to stop the peers.
/// </remarks>
public sealed partial class RaftCluster : IDisposable
{
    private static int _clusters;

    private readonly ActorSystem _system;
    private readonly IActorRef?[] _peers;
    private readonly int[] _incarnation;
    private readonly IActorRef[][] _links;
    private readonly object _gate = new();
    private readonly Dictionary<long, byte[]>[] _applied;
    private readonly long[] _lastApplied;
    private readonly List<string> _applyErrors = new();
    private TaskCompletionSource _appliedPulse = NewPulse();
    private readonly Func<int, RaftSettings, RaftSettings>? _tunePeer;

    /// <summary>Starts <paramref name="peers"/> peers in <paramref name="system"/>, all connected.</summary>
    /// <param name="system">The ActorSystem the peers, their links and state machines run in.</param>
    /// <param name="peers">How many peers.</param>
    /// <param name="unreliable">Start with an unreliable network (see <see cref="SimNetwork.SetUnreliable"/>).</param>
    /// <param name="tune">Adjusts the peers' settings (timeouts, snapshots, ...) before they start.</param>
    /// <param name="seed">Seeds the network's drops and delays; 0 picks one per cluster.</param>
    /// <param name="snapshotEvery">After each index divisible by this, a peer's state machine hands the peer a snapshot
    /// (every command applied so far), so the log is compacted (Raft §7). 0: no snapshots.</param>
    /// <param name="tunePeer">Adjusts one peer's settings, given its number, after <paramref name="tune"/> (e.g. pre-vote off on one peer).</param>
    /// <param name="members">How many of the peers form the initial group (peers 0..members-1); the others start with
    /// <c>akka.raft.join = on</c> and wait to be added (see <see cref="ChangeMembership"/>). 0: every peer is a member.</param>
    /// <param name="clock">The peers' clock (<see cref="RaftActorOptions.Clock"/>); on virtual time pass a
    /// <see cref="SchedulerTimeProvider"/>, so catch-up rounds and leases follow the scheduler. Null: the system clock.</param>
    public RaftCluster(ActorSystem system, int peers, bool unreliable = false, Func<RaftSettings, RaftSettings>? tune = null, int seed = 0, int snapshotEvery = 0,
        Func<int, RaftSettings, RaftSettings>? tunePeer = null, int members = 0, TimeProvider? clock = null)
    {
        if (members < 0 || members > peers) throw new ArgumentOutOfRangeException(nameof(members), $"must be between 0 and {peers}, is {members}");
        InitialMembers = members == 0 ? peers : members;
        _clock = clock;
        _tunePeer = tunePeer;
        _system = system;
        RaftExtension.Get(system); // unsupervised peers start at once: start the clock from this thread (see RaftExtension)
        N = peers;
        SnapshotEvery = snapshotEvery;
        var clusterNumber = Interlocked.Increment(ref _clusters);
        // The checks here count indexes of the commands they submit (One), so a new leader appends no empty entry of its
        // own unless tune turns it on (WithLeaderNoOp(true)).
        var baseSettings = RaftSettings.Create(ConfigurationFactory.ParseString(
            $"akka.raft {{ cluster-id = \"c{clusterNumber}\", members = [{string.Join(",", Enumerable.Range(0, InitialMembers).Select(i => $"\"{Id(i)}\""))}], leader-no-op = off }}"));
        Settings = tune is null ? baseSettings : tune(baseSettings);
        Network = new SimNetwork(peers, seed == 0 ? clusterNumber : seed);
        Network.SetUnreliable(unreliable);
        _peers = new IActorRef?[peers];
        _incarnation = new int[peers];
        _applied = Enumerable.Range(0, peers).Select(_ => new Dictionary<long, byte[]>()).ToArray();
        _lastApplied = new long[peers];
        _links = Enumerable.Range(0, peers).Select(from => Enumerable.Range(0, peers)
            .Select(to => system.ActorOf(Props.Create(() => new LinkActor(from, to, Network, () => _links![to][from])), $"{Settings.ClusterId}-link-{from}-{to}"))
            .ToArray()).ToArray();
        for (var i = 0; i < peers; i++) Start(i);
    }

    /// <summary>How many peers.</summary>
    public int N { get; }

    /// <summary>The snapshot interval in applied entries; 0 when the state machines take no snapshots.</summary>
    public int SnapshotEvery { get; }

    /// <summary>The settings every peer runs with (its own peer id aside).</summary>
    public RaftSettings Settings { get; }

    /// <summary>The simulated network between the peers.</summary>
    public SimNetwork Network { get; }

    /// <summary>One election timeout, for scenarios that wait a few of them: the configured maximum.</summary>
    public TimeSpan ElectionTimeout => Settings.ElectionTimeoutMax;

    /// <summary>The member id of peer <paramref name="i"/>: n1 for peer 0.</summary>
    public static string Id(int i) => $"n{i + 1}";

    /// <summary>The peer number of member id <paramref name="id"/>: 0 for n1.</summary>
    public static int IndexOf(string id) => int.Parse(id.AsSpan(1)) - 1;

    /// <summary>The running incarnation of peer <paramref name="i"/>; null while it is crashed.</summary>
    public IActorRef? Peer(int i) => _peers[i];

    // ---- network ----

    /// <summary>Reconnects peer <paramref name="i"/> to every connected peer.</summary>
    public void Connect(int i) => Network.SetConnected(i, true);

    /// <summary>Cuts peer <paramref name="i"/> off: it neither sends nor receives until <see cref="Connect"/>.</summary>
    public void Disconnect(int i) => Network.SetConnected(i, false);

    /// <summary>Whether peer <paramref name="i"/> is connected.</summary>
    public bool IsConnected(int i) => Network.IsConnected(i);

    /// <summary>Turns message drops and short delays on or off (see <see cref="SimNetwork.SetUnreliable"/>).</summary>
    public void SetUnreliable(bool on) => Network.SetUnreliable(on);

    /// <summary>Turns long delays of responses on or off (see <see cref="SimNetwork.SetLongReordering"/>).</summary>
    public void SetLongReordering(bool on) => Network.SetLongReordering(on);

    /// <summary>Requests delivered to peer <paramref name="i"/> so far.</summary>
    public long RpcCount(int i) => Network.RpcCount(i);

    /// <summary>Requests delivered to all peers so far.</summary>
    public long RpcTotal() => Network.RpcTotal();

    /// <summary>Approximate bytes sent by all peers so far.</summary>
    public long BytesTotal() => Network.BytesTotal();

    // ---- peer lifecycle ----

    /// <summary>Starts peer i from whatever its journal holds, with a fresh state machine. Does not connect it.</summary>
    public void Start(int i)
    {
        if (_peers[i] is not null) throw new InvalidOperationException($"{Id(i)} is already running");
        var incarnation = ++_incarnation[i];
        lock (_gate)
        {
            _applied[i].Clear();
            _lastApplied[i] = 0;
        }
        var applier = _system.ActorOf(Props.Create(() => new ApplierActor(this, i, incarnation)), $"{Settings.ClusterId}-applier-{i}-{incarnation}");
        var peer = _system.ActorOf(
            RaftActor.Props(PeerSettings(i), PeersOf(i), new RaftActorOptions { ApplyTo = applier, Random = new Random(Settings.ClusterId.GetHashCode() ^ (i * 7919) ^ incarnation), Clock = _clock }),
            $"{Settings.ClusterId}-{Id(i)}-{incarnation}");
        _peers[i] = peer;
        Network.SetTarget(i, peer);
    }

    /// <summary>Disconnects peer i and stops its actor; its journal survives for <see cref="Start"/>.</summary>
    public async Task Crash(int i)
    {
        Disconnect(i);
        var peer = _peers[i];
        if (peer is null) return;
        Network.SetTarget(i, null);
        _peers[i] = null;
        var terminated = peer.WatchAsync();
        _system.Stop(peer);
        await terminated;
    }

    /// <summary>
    /// For virtual time: waits until every link, then every peer, has handled what its mailbox held and every peer's
    /// journal writes begun by then have completed, <paramref name="hops"/> times over, so the messages sent before the
    /// call have crossed that many hops of the network. Call it after each small advance of the <c>TestScheduler</c>:
    /// journal writes complete on real time, so without the wait a loaded machine lets virtual time run past a write
    /// whose answers a timer is waiting for. Messages the network delays wait for the scheduler, not for this.
    /// </summary>
    public async Task Settle(int hops = 3)
    {
        for (var hop = 0; hop < hops; hop++)
        {
            await LinksHandled();
            await Task.WhenAll(Enumerable.Range(0, N).Select(AwaitJournalWrites));
        }
    }

    /// <summary>
    /// As <see cref="Settle"/>, but without waiting for journal writes: for a test that holds writes back on purpose (a
    /// stalled disk), whose peers go on handling messages meanwhile. Waits until every link, then every peer, has
    /// handled what its mailbox held, <paramref name="hops"/> times over.
    /// </summary>
    public async Task SettleMessages(int hops = 3)
    {
        for (var hop = 0; hop < hops; hop++)
        {
            await LinksHandled();
            await Task.WhenAll(Enumerable.Range(0, N).Select(GetState));
        }
    }

    /// <summary>Waits until every link has handled what its mailbox held.</summary>
    private Task LinksHandled() =>
        // Identify is answered by the actor cell in mailbox order, without reaching the link's forwarding.
        Task.WhenAll(_links.SelectMany(row => row).Select(link => link.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(3))));

    /// <summary>Waits, up to 3 s, until peer i has handled its mailbox and finished the journal writes it began.</summary>
    private async Task AwaitJournalWrites(int i)
    {
        if (_peers[i] is not { } peer) return;
        try { await peer.Ask<JournalWritesDone>(AkkaRaft.Actors.AwaitJournalWrites.Instance, TimeSpan.FromSeconds(3)); }
        catch (AskTimeoutException) { } // a peer stopped meanwhile; a later step sees what it left
    }

    // ---- queries ----

    /// <summary>Peer <paramref name="i"/>'s current state; null when it is crashed or does not answer within 3 s.</summary>
    public async Task<RaftState?> GetState(int i)
    {
        var peer = _peers[i];
        if (peer is null) return null;
        try { return await peer.Ask<RaftState>(AkkaRaft.Actors.GetState.Instance, TimeSpan.FromSeconds(3)); }
        catch (AskTimeoutException) { return null; }
    }

    private async Task<(int Peer, RaftState State)[]> ConnectedStates()
    {
        var connected = Enumerable.Range(0, N).Where(IsConnected).ToArray();
        var states = await Task.WhenAll(connected.Select(GetState));
        return connected.Select((peer, k) => (Peer: peer, State: states[k])).Where(p => p.State is not null).Select(p => (p.Peer, p.State!)).ToArray();
    }

    /// <summary>
    /// Waits, up to 5 s, for a leader among the connected peers and returns the leader of the highest term.
    /// Fails at once if two connected peers lead the same term (Raft §5.2, Election Safety). Returns as soon as
    /// the view is settled (every connected peer is in the leader's term, so a reconnected stale leader has
    /// stepped down), and at the deadline accepts any leader.
    /// </summary>
    public async Task<int> CheckOneLeader()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var states = await ConnectedStates();
            var leaders = states.Where(s => s.State.IsLeader).GroupBy(s => s.State.Term).ToArray();
            var twice = leaders.FirstOrDefault(g => g.Count() > 1);
            if (twice is not null)
                throw new RaftTestKitException($"term {twice.Key} has {twice.Count()} leaders: {string.Join(", ", twice.Select(s => Id(s.Peer)))}");
            var newest = leaders.OrderByDescending(g => g.Key).FirstOrDefault();
            var timedOut = deadline.Elapsed > TimeSpan.FromSeconds(5);
            if (newest is not null && (timedOut || states.All(s => s.State.Term == newest.Key)))
                return newest.Single().Peer;
            if (timedOut)
                throw new RaftTestKitException("expected one leader within 5 s, got none");
            await Task.Delay(50);
        }
    }

    /// <summary>All connected peers agree on the term (waiting up to 2 s for heartbeats to spread it); returns it.</summary>
    public async Task<long> CheckTerms()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var terms = (await ConnectedStates()).Select(s => s.State.Term).Distinct().ToArray();
            if (terms.Length == 1) return terms[0];
            if (deadline.Elapsed > TimeSpan.FromSeconds(2))
                throw new RaftTestKitException($"servers disagree on term: {string.Join(", ", terms)}");
            await Task.Delay(50);
        }
    }

    /// <summary>The largest Raft state (term, vote, entries not compacted) any running peer holds, in bytes.</summary>
    public async Task<long> LogSize()
    {
        var states = await Task.WhenAll(Enumerable.Range(0, N).Select(GetState));
        return states.Where(s => s is not null).Select(s => s!.LogBytes).DefaultIfEmpty(0).Max();
    }

    /// <summary>No connected peer believes it is leader.</summary>
    public async Task CheckNoLeader()
    {
        var leaders = (await ConnectedStates()).Where(s => s.State.IsLeader).ToArray();
        if (leaders.Length > 0)
            throw new RaftTestKitException($"expected no leader among connected servers, but {string.Join(", ", leaders.Select(s => $"{Id(s.Peer)} (term {s.State.Term})"))} claims to be one");
    }

    // ---- agreement ----

    /// <summary>
    /// Offers a command to peer <paramref name="i"/> directly: a <see cref="ProposeAccepted"/> when it leads, its
    /// refusal otherwise, null when it is down or did not answer within 2 s.
    /// </summary>
    public async Task<object?> Propose(int i, byte[] command)
    {
        var peer = _peers[i];
        if (peer is null) return null;
        try { return await peer.Ask<object>(new Propose(command), TimeSpan.FromSeconds(2)); }
        catch (AskTimeoutException) { return null; }
    }

    /// <summary>How many peers have applied <paramref name="index"/>, and the command (fails if two applied different commands).</summary>
    public (int Count, byte[]? Command) NCommitted(long index)
    {
        lock (_gate)
        {
            ThrowIfApplyErrors();
            var count = 0;
            byte[]? command = null;
            for (var i = 0; i < N; i++)
            {
                if (!_applied[i].TryGetValue(index, out var c)) continue;
                if (command is not null && !command.AsSpan().SequenceEqual(c))
                    throw new RaftTestKitException($"committed values do not match at index {index}");
                command = c;
                count++;
            }
            return (count, command);
        }
    }

    /// <summary>
    /// Offers <paramref name="command"/> to connected peers in turn until a leader accepts,
    /// then waits up to 2 s for <paramref name="expectedServers"/> peers to apply it at that index; with
    /// <paramref name="retry"/> it offers again after a miss. Fails after 10 s. Returns the index.
    /// </summary>
    public async Task<long> One(byte[] command, int expectedServers, bool retry)
    {
        var deadline = Stopwatch.StartNew();
        var starts = 0;
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            long index = -1;
            for (var k = 0; k < N; k++)
            {
                starts = (starts + 1) % N;
                if (!IsConnected(starts)) continue;
                if (await Propose(starts, command) is ProposeAccepted accepted)
                {
                    index = accepted.Index;
                    break;
                }
            }
            if (index != -1)
            {
                var wait = Stopwatch.StartNew();
                while (wait.Elapsed < TimeSpan.FromSeconds(2))
                {
                    var (count, applied) = NCommitted(index);
                    if (count > 0 && count >= expectedServers && applied!.AsSpan().SequenceEqual(command))
                        return index;
                    await WaitForApply(TimeSpan.FromMilliseconds(20));
                }
                if (!retry)
                    throw new RaftTestKitException($"one({Describe(command)}) failed to reach agreement at index {index}");
            }
            else
            {
                await Task.Delay(50);
            }
        }
        throw new RaftTestKitException($"one({Describe(command)}) failed to reach agreement in 10 s");
    }

    /// <summary><see cref="One(byte[], int, bool)"/> with the command <see cref="Cmd"/>(<paramref name="command"/>).</summary>
    public Task<long> One(int command, int expectedServers, bool retry) => One(Cmd(command), expectedServers, retry);

    /// <summary>
    /// Waits until <paramref name="n"/> peers applied <paramref name="index"/> and returns the command; null if a peer's
    /// term passes <paramref name="startTerm"/> first (-1: never give up so). Fails if fewer than
    /// <paramref name="n"/> applied it after about 30 polls.
    /// </summary>
    public async Task<byte[]?> Wait(long index, int n, long startTerm)
    {
        var pause = TimeSpan.FromMilliseconds(10);
        for (var iter = 0; iter < 30; iter++)
        {
            var (count, _) = NCommitted(index);
            if (count >= n) break;
            await WaitForApply(pause);
            if (pause < TimeSpan.FromSeconds(1)) pause *= 2;
            if (startTerm > -1)
            {
                foreach (var i in Enumerable.Range(0, N))
                {
                    if (await GetState(i) is { } s && s.Term > startTerm) return null; // someone moved on; can't expect a commit
                }
            }
        }
        var (final, command) = NCommitted(index);
        if (final < n) throw new RaftTestKitException($"only {final} decided for index {index}; wanted {n}");
        return command;
    }

    /// <summary>A command holding <paramref name="value"/> as a 4-byte big-endian integer; failures print it as the integer.</summary>
    public static byte[] Cmd(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    private static string Describe(byte[] command) => command.Length == 4 ? ((command[0] << 24) | (command[1] << 16) | (command[2] << 8) | command[3]).ToString() : $"{command.Length} bytes";

    /// <summary>Stops every running peer.</summary>
    public void Dispose()
    {
        for (var i = 0; i < N; i++)
        {
            if (_peers[i] is { } p) _system.Stop(p);
        }
    }
}
