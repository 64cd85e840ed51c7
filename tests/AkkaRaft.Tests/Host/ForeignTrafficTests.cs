using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Serialization;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Serialization;
using AkkaRaft.Host;
using AkkaRaft.KeyValue;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// Three Host node processes shared by the tests of <see cref="ForeignTrafficTests"/>. Elections are slow here
/// (2-3 s), so that on a busy machine the leader only changes when a test makes it change.
/// </summary>
public sealed class ForeignTrafficCluster : IAsyncLifetime
{
    internal const string Overrides = """
        akka.raft {
          election-timeout-min = 2s
          election-timeout-max = 3s
          heartbeat-interval = 100ms
        }
        """;

    internal ForwardingOutput Output { get; } = new();

    internal HostCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await HostCluster.Start(Output, "cluster-3.hocon", Overrides);

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

/// <summary>
/// What reaches a node over the wire from outside its group. A node listens on a TCP port that any process can
/// reach; it must refuse Raft traffic that does not come from a member of its own group (messages carry the group's
/// cluster id and the sender's stable id for this), and bytes it cannot decode must not take it down. The senders
/// here are foreign ActorSystems in the test process, over Akka.Remote, addressing a node as its peers do.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class ForeignTrafficTests : IClassFixture<ForeignTrafficCluster>, IDisposable
{
    /// <summary>Far beyond any term the cluster reaches by itself: a node that obeyed the message would jump to it.</summary>
    private const long TermJump = 1_000_000;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly ForeignTrafficCluster _fixture;
    private readonly HostCluster _cluster;
    private readonly ITestOutputHelper _output;

    public ForeignTrafficTests(ForeignTrafficCluster fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _cluster = fixture.Cluster;
        _output = output;
        fixture.Output.Target = output;
    }

    public void Dispose() => _fixture.Output.Target = null;

    /// <summary>
    /// Raft §5.1 assumes only members vote and lead. A RequestVote and an AppendEntries with a far higher term from an
    /// id that is not a member reach every node; each node drops them (and says so), its term does not move, the leader
    /// stays, and nothing is sent back.
    /// </summary>
    [Fact]
    public async Task A_node_refuses_Raft_messages_from_a_peer_that_is_not_a_member()
    {
        var before = await Stable();
        var term = before.Values.First().Term + TermJump;
        var clusterId = _cluster.File.Settings.ClusterId;

        await using var foreign = await Foreign.Start(_cluster, "intruder");
        foreach (var id in _cluster.Ids)
        {
            foreign.Send(id, new RequestVote(clusterId, "n9", term, long.MaxValue / 2, term));
            foreign.Send(id, new AppendEntries(clusterId, "n9", term, 0, 0, [new LogEntry(1, term, [1, 2, 3])], long.MaxValue / 2));
        }
        foreach (var id in _cluster.Ids)
        {
            await _cluster.LogLine(id, $"{id} dropped RequestVote from 'n9', which it cannot reach: not a member of", Bound);
            await _cluster.LogLine(id, $"{id} dropped AppendEntries from 'n9', which it cannot reach: not a member of", Bound);
        }

        await AssertUnmoved(before, term);
        await foreign.AssertNothingReceived(_cluster.Ids);
    }

    /// <summary>
    /// A second group that shares the network (the same member ids, another cluster id) must never mix its votes or
    /// log into this one. Its RequestVote and AppendEntries, with a far higher term and sent as if from a real member,
    /// are dropped by every node: terms do not move, the leader stays, and nothing is sent back.
    /// </summary>
    [Fact]
    public async Task A_node_refuses_Raft_messages_carrying_another_cluster_id()
    {
        var before = await Stable();
        var term = before.Values.First().Term + TermJump;
        const string otherCluster = "another-cluster";

        await using var foreign = await Foreign.Start(_cluster, "other-group");
        foreach (var id in _cluster.Ids)
        {
            var member = _cluster.Ids.First(other => other != id);
            foreign.Send(id, new RequestVote(otherCluster, member, term, long.MaxValue / 2, term));
            foreign.Send(id, new AppendEntries(otherCluster, member, term, 0, 0, [new LogEntry(1, term, [1, 2, 3])], long.MaxValue / 2));
        }
        foreach (var id in _cluster.Ids)
        {
            await _cluster.LogLine(id, $"{id} dropped RequestVote from n\\d of cluster '{otherCluster}'", Bound);
            await _cluster.LogLine(id, $"{id} dropped AppendEntries from n\\d of cluster '{otherCluster}'", Bound);
        }

        await AssertUnmoved(before, term);
        await foreign.AssertNothingReceived(_cluster.Ids);
    }

    /// <summary>
    /// The control for the two refusals above: the same AppendEntries, from the same kind of foreign ActorSystem, but
    /// carrying this group's cluster id and a member's id, is obeyed (the node adopts the higher term, Raft §5.1).
    /// So the refusals come from the admission checks, not from a message that never arrived. (A RequestVote would not
    /// do: a follower that hears from its leader ignores vote requests of newer terms, the vote lease.)
    /// </summary>
    [Fact]
    public async Task The_same_message_with_this_groups_id_and_a_members_id_is_obeyed()
    {
        var before = await Stable();
        var term = before.Values.Max(s => s.Term) + TermJump;
        var target = before.Values.First(s => !s.IsLeader).PeerId;
        var member = _cluster.Ids.First(id => id != target);

        await using var foreign = await Foreign.Start(_cluster, "impostor");
        foreign.Send(target, new AppendEntries(_cluster.File.Settings.ClusterId, member, term, 0, 0, [], 0));

        await HostCluster.Eventually(Bound, $"{target} adopts term {term}", async () =>
            await _cluster.State(target) is { } state && state.Term >= term ? state : null);
        // Leave the group with one leader again for the next test.
        await _cluster.AgreedLeader(Bound);
    }

    /// <summary>
    /// Bytes that claim AkkaRaft's serializer id but do not decode (an unknown manifest, or a known one with bytes that
    /// are not its encoding) are dropped where they arrive: the node logs the decoding error, keeps its term and its
    /// leader, keeps the connection that carried them, and goes on serving clients.
    /// </summary>
    [Fact]
    public async Task Undecodable_bytes_from_the_wire_do_not_kill_the_node()
    {
        var before = await Stable();
        var target = before.Values.Single(s => s.IsLeader).PeerId;

        await using var garbler = await Foreign.Start(_cluster, "garbler", WireBytes.Config);
        var garbage = new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }; // a varint that never ends: no manifest reads it
        string[] manifests = ["??", "RV", "AE", "IS", "KQ", "GS", "E-EA"];
        foreach (var manifest in manifests) garbler.Send(target, new WireBytes(manifest, garbage));
        foreach (var manifest in manifests)
        {
            var line = await _cluster.LogLine(target, $@"serializer id \[{RaftSerializer.SerializerId}\] and manifest \[{Regex.Escape(manifest)}\]\..*", Bound);
            _output.WriteLine($"{target}: {line.Value}");
        }

        Assert.False(_cluster.Process(target).HasExited, $"{target}'s process exited");
        // The association that carried the garbage still works both ways.
        await garbler.AssertNothingReceived([target]);
        await AssertUnmoved(before, long.MaxValue);

        var client = _cluster.Client(new KvClientOptions { OperationTimeout = Bound });
        Assert.True((await client.PutAsync("after-garbage", "still serving")).IsOk, "a put after the garbage did not complete");
        Assert.Equal("still serving", (await client.GetAsync("after-garbage")).Value);
    }

    /// <summary>Waits until all three nodes agree on one leader and term, and returns their views.</summary>
    private async Task<IReadOnlyDictionary<string, RaftState>> Stable()
    {
        var states = await _cluster.Agreed(Bound);
        _output.WriteLine($"before: {HostCluster.Describe(states)}");
        return states;
    }

    /// <summary>Every node still answers with the term and leader it had before, and none has reached <paramref name="refusedTerm"/>.</summary>
    private async Task AssertUnmoved(IReadOnlyDictionary<string, RaftState> before, long refusedTerm)
    {
        var after = await _cluster.States();
        _output.WriteLine($"after: {HostCluster.Describe(after)}");
        foreach (var (id, was) in before)
        {
            Assert.True(after.TryGetValue(id, out var now), $"{id} no longer answers");
            Assert.True(now.Term < refusedTerm, $"{id} adopted the refused term {now.Term}");
            Assert.True((was.Term, was.LeaderId, was.Role) == (now.Term, now.LeaderId, now.Role),
                $"{id} moved from term {was.Term} ({was.Role}, leader {was.LeaderId}) to term {now.Term} ({now.Role}, leader {now.LeaderId})");
        }
    }

    /// <summary>An ActorSystem outside the group, on Akka.Remote, that sends to the nodes' key-value endpoints (where peers send) and records anything that comes back.</summary>
    private sealed class Foreign : IAsyncDisposable
    {
        private readonly ActorSystem _system;
        private readonly IActorRef _inbox;
        private readonly ConcurrentQueue<object> _received = new();
        private readonly Dictionary<string, IActorRef> _nodes = new(StringComparer.Ordinal);

        private Foreign(ActorSystem system)
        {
            _system = system;
            _inbox = system.ActorOf(Props.Create(() => new Inbox(_received)), "inbox");
        }

        /// <param name="config">The system's own settings; by default those of a Host client, AkkaRaft's serializer included.</param>
        public static async Task<Foreign> Start(HostCluster cluster, string name, Config? config = null)
        {
            var system = ActorSystem.Create(name, config is null ? cluster.File.RemoteConfig("127.0.0.1", 0, null, "OFF") : config.WithFallback(LoopbackRemote));
            var foreign = new Foreign(system);
            try
            {
                foreach (var id in cluster.Ids)
                    foreign._nodes[id] = await system.ActorSelection(cluster.Address(id).ServerPath).ResolveOne(Bound);
            }
            catch
            {
                await foreign.DisposeAsync();
                throw;
            }
            return foreign;
        }

        public void Send(string id, object message) => _nodes[id].Tell(message, _inbox);

        /// <summary>
        /// Nothing but the answers to an <see cref="Identify"/> sent now came back. Messages between two actors over one
        /// association arrive in order, so an answer to what was sent before would be in the inbox by then.
        /// </summary>
        public async Task AssertNothingReceived(IEnumerable<string> ids)
        {
            var asked = ids.ToArray();
            foreach (var id in asked) _nodes[id].Tell(new Identify(id), _inbox);
            var identities = await HostCluster.Eventually(Bound, $"{string.Join(", ", asked)} answer Identify over the same connection", () =>
            {
                var answered = _received.OfType<ActorIdentity>().Where(i => i.Subject is not null).Select(i => (string)i.MessageId).ToHashSet();
                return Task.FromResult(asked.All(answered.Contains) ? answered : null);
            });
            var other = _received.Where(m => m is not ActorIdentity).ToArray();
            Assert.True(other.Length == 0, $"the nodes answered the foreign system: {string.Join("; ", other)}");
            Assert.Equal(asked.Length, identities.Count);
        }

        public async ValueTask DisposeAsync() => await _system.Terminate();

        private static readonly Config LoopbackRemote = ConfigurationFactory.ParseString("""
            akka {
              loglevel = OFF
              stdout-loglevel = OFF
              actor.provider = remote
              remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            }
            """);

        private sealed class Inbox : ReceiveActor
        {
            public Inbox(ConcurrentQueue<object> received) => ReceiveAny(received.Enqueue);
        }
    }
}

/// <summary>Raw bytes sent under a chosen manifest with AkkaRaft's serializer id, as a broken or hostile sender would.</summary>
internal sealed record WireBytes(string Manifest, byte[] Bytes)
{
    /// <summary>Binds <see cref="WireBytes"/> to <see cref="WireBytesSerializer"/>; use it instead of, never with, AkkaRaft's own configuration.</summary>
    public static readonly Config Config = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.wire-bytes = "{{typeof(WireBytesSerializer).AssemblyQualifiedName}}"
          serialization-bindings { "{{typeof(WireBytes).AssemblyQualifiedName}}" = wire-bytes }
        }
        """);
}

/// <summary>Writes a <see cref="WireBytes"/> as it is, under AkkaRaft's serializer id, so the receiver decodes it with <see cref="RaftSerializer"/>.</summary>
internal sealed class WireBytesSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => RaftSerializer.SerializerId;

    public override string Manifest(object o) => ((WireBytes)o).Manifest;

    public override byte[] ToBinary(object obj) => ((WireBytes)obj).Bytes;

    public override object FromBinary(byte[] bytes, string manifest) => new WireBytes(manifest, bytes);
}

/// <summary>
/// An <see cref="ITestOutputHelper"/> for a fixture shared by several tests: it writes to the running test's output;
/// what is written while no test runs (the fixture starting) goes to the next test's.
/// </summary>
internal sealed class ForwardingOutput : ITestOutputHelper
{
    private readonly object _gate = new();
    private readonly List<string> _pending = new();
    private ITestOutputHelper? _target;

    public ITestOutputHelper? Target
    {
        set
        {
            lock (_gate)
            {
                _target = value;
                if (value is null) return;
                foreach (var line in _pending) value.WriteLine(line);
                _pending.Clear();
            }
        }
    }

    public void WriteLine(string message)
    {
        lock (_gate)
        {
            if (_target is null) _pending.Add(message);
            else _target.WriteLine(message);
        }
    }

    public void WriteLine(string format, params object[] args) => WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
}
