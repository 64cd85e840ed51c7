using Akka.Actor;
using Akka.Configuration;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Configuration;
using AkkaRaft.Actors.Messages;

// AkkaRaft.Host: for now, an in-process election demo. The multi-process node, client and
// kill -9 demo arrive with the Host issue; `--help` lists what exists today.

if (args.Length > 0 && args[0] is "--help" or "-h" or "help")
{
    Console.WriteLine("""
        AkkaRaft.Host — Raft consensus on Akka.NET

        usage:
          dotnet run --project src/AkkaRaft.Host              run the in-process demo: 3 peers elect a leader,
                                                              the leader is stopped, the others elect a new one
          dotnet run --project src/AkkaRaft.Host -- --help    this text
        """);
    return 0;
}
if (args.Length > 0)
{
    Console.Error.WriteLine($"unknown command '{args[0]}'; try --help");
    return 2;
}

var configFile = Path.Combine(AppContext.BaseDirectory, "hocon", "in-process-3.hocon");
Config config;
try
{
    config = ConfigurationFactory.ParseString(File.ReadAllText(configFile));
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or ConfigurationException)
{
    Console.Error.WriteLine($"cannot read {configFile}: {e.Message}");
    return 1;
}
using var system = ActorSystem.Create("akkaraft-demo", config);
var settings = RaftSettings.Create(system);
var watcher = system.ActorOf(Props.Create(() => new RoleWatcher()), "watcher");
system.EventStream.Subscribe(watcher, typeof(RaftRoleChanged));

// Peers reach each other by id through forwarding proxies, so each can be created before the others exist.
var proxies = settings.Members.ToDictionary(id => id, id => system.ActorOf(Props.Create(() => new Forwarder()), $"to-{id}"));
var peers = settings.Members.ToDictionary(id => id, id => system.ActorOf(
    RaftActor.Props(settings.WithPeerId(id), RaftPeers.FromRefs(proxies.Where(p => p.Key != id).ToDictionary(p => p.Key, p => p.Value))), id));
foreach (var (id, proxy) in proxies) proxy.Tell(peers[id]);

Console.WriteLine($"started {string.Join(", ", settings.Members)}; election timeout {settings.ElectionTimeoutMin.TotalMilliseconds}-{settings.ElectionTimeoutMax.TotalMilliseconds} ms");
var first = await WaitForLeader(peers.Values, exclude: null);
Console.WriteLine($"leader: {first.PeerId} at term {first.Term}");
Console.WriteLine($"stopping {first.PeerId} ...");
var stopwatch = System.Diagnostics.Stopwatch.StartNew();
await peers[first.PeerId].GracefulStop(TimeSpan.FromSeconds(5));
var second = await WaitForLeader(peers.Where(p => p.Key != first.PeerId).Select(p => p.Value), exclude: first.PeerId);
Console.WriteLine($"new leader: {second.PeerId} at term {second.Term}, {stopwatch.ElapsedMilliseconds} ms after the old one stopped");
await system.Terminate();
return 0;

static async Task<RaftState> WaitForLeader(IEnumerable<IActorRef> candidates, string? exclude)
{
    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
    while (DateTime.UtcNow < deadline)
    {
        foreach (var peer in candidates)
        {
            var state = await peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(2));
            if (state.IsLeader && state.PeerId != exclude) return state;
        }
        await Task.Delay(50);
    }
    throw new TimeoutException("no leader within 10 s");
}

/// <summary>Forwards everything to the peer it was given; stands in for a network route.</summary>
internal sealed class Forwarder : ReceiveActor
{
    public Forwarder()
    {
        Receive<IActorRef>(target => Become(() => ReceiveAny(m => target.Forward(m))));
    }
}

/// <summary>Prints role changes as the EventStream publishes them.</summary>
internal sealed class RoleWatcher : ReceiveActor
{
    public RoleWatcher() =>
        Receive<RaftRoleChanged>(c => Console.WriteLine($"  {c.PeerId}: {c.Role.ToString().ToLowerInvariant()} at term {c.Term}{(c.LeaderId is null ? "" : $", leader {c.LeaderId}")}"));
}
