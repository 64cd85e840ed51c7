using Akka.Actor;
using Akka.Configuration;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Configuration;
using AkkaRaft.Actors.KeyValue;
using AkkaRaft.Actors.Messages;
using AkkaRaft.Host;

// AkkaRaft.Host: a key-value node over Akka.Remote, one-shot clients, and an in-process election demo.
// Every configuration mistake ends with one line naming it and a non-zero exit, never a stack trace.

const string usage = """
    AkkaRaft.Host — Raft consensus on Akka.NET

    usage (through `dotnet run --project src/AkkaRaft.Host -- ...` or the built program):
      (no arguments)                                   the in-process demo: 3 peers elect a leader, the
                                                       leader is stopped, the others elect a new one
      node --config FILE --id ID [--data-dir DIR]      run one node of the cluster in FILE in the foreground
      put KEY VALUE --config FILE [--timeout SECONDS]  set KEY; prints ok
      append KEY VALUE --config FILE [--timeout S]     append to KEY's value; prints ok
      get KEY --config FILE [--timeout SECONDS]        print KEY's value (linearizable read)
      status --config FILE                             every node's role, term, commit and applied index
      shell --config FILE [--timeout SECONDS]          one client for many operations: reads `put KEY VALUE`,
                                                       `append KEY VALUE` or `get KEY` lines from stdin (VALUE is
                                                       the rest of the line after one space) and answers each with
                                                       one JSON line, e.g. {"op":"get","key":"k","value":"v","ok":true};
                                                       "ok":false with "error":"timeout" (outcome unknown), or
                                                       "bad-input" / "too-large" (not done; see "detail");
                                                       exit 0 at end of input
      --help                                           this text

    FILE is a cluster file such as hocon/cluster-3.hocon. Exit codes: 0 done, 1 not completed
    (timeout: a write's outcome is unknown), 2 bad command line or configuration.
    """;

if (args.Length > 0 && args[0] is "--help" or "-h" or "help")
{
    Console.WriteLine(usage);
    return 0;
}
if (args.Length > 0)
{
    try
    {
        return await RunCommand(args);
    }
    catch (HostError e)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 2;
    }
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

static async Task<int> RunCommand(string[] args)
{
    var positional = new List<string>();
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal))
        {
            positional.Add(args[i]);
            continue;
        }
        if (args[i] is not ("--config" or "--id" or "--data-dir" or "--timeout"))
            throw new HostError($"unknown option '{args[i]}'; try --help");
        if (i + 1 >= args.Length) throw new HostError($"{args[i]} needs a value");
        options[args[i]] = args[++i];
    }
    if (positional.Count == 0) throw new HostError("no command given; try --help");
    var command = positional[0];
    var operands = positional.Skip(1).ToArray();
    var timeout = TimeSpan.FromSeconds(10);
    if (options.TryGetValue("--timeout", out var seconds) && (!double.TryParse(seconds, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) || s <= 0 || s > 3600))
        throw new HostError($"--timeout '{seconds}' is not a number of seconds between 0 and 3600");
    else if (seconds is not null) timeout = TimeSpan.FromSeconds(double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture));

    void Expect(int count, string shape)
    {
        if (operands.Length != count) throw new HostError($"{command} takes {shape}; try --help");
    }
    ClusterFile Cluster() => ClusterFile.Load(options.GetValueOrDefault("--config"));

    switch (command)
    {
        case "node":
            Expect(0, "no operands, only --config FILE --id ID [--data-dir DIR]");
            return await NodeCommand.Run(Cluster(), options.GetValueOrDefault("--id"), options.GetValueOrDefault("--data-dir"));
        case "put":
            Expect(2, "KEY VALUE");
            return await ClientCommands.Operation(Cluster(), KvOperation.Put, operands[0], operands[1], timeout);
        case "append":
            Expect(2, "KEY VALUE");
            return await ClientCommands.Operation(Cluster(), KvOperation.Append, operands[0], operands[1], timeout);
        case "get":
            Expect(1, "KEY");
            return await ClientCommands.Operation(Cluster(), KvOperation.Get, operands[0], null, timeout);
        case "shell":
            Expect(0, "no operands, only --config FILE [--timeout SECONDS]; operations come on stdin");
            return await ShellCommand.Run(Cluster(), timeout);
        case "status":
            Expect(0, "no operands, only --config FILE");
            return await ClientCommands.Status(Cluster());
        default:
            throw new HostError($"unknown command '{command}'; try --help");
    }
}

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
