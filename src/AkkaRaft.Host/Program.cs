using AkkaRaft.Actors;
using AkkaRaft.Host;
using AkkaRaft.KeyValue;

// AkkaRaft.Host: a key-value node over Akka.Remote, one-shot and line-by-line clients, and a multi-process demo.
// Every configuration mistake ends with one line naming it and a non-zero exit, never a stack trace.

const string usage = """
    AkkaRaft.Host — Raft consensus on Akka.NET

    usage (through `dotnet run --project src/AkkaRaft.Host -- ...` or the built program):
      demo  (also: no arguments)                       3 nodes as child processes on free loopback ports; a
                                                       client writes, the leader is killed with kill -9, a new
                                                       one takes over, the killed node restarts and catches up,
                                                       and every acknowledged write is checked (exit 0: all found)
      node --config FILE --id ID [--data-dir DIR] [--metrics-port M]
                                                       run one node of the cluster in FILE in the foreground; FILE's
                                                       nodes are its first configuration only: after changes it
                                                       recovers its configuration from its own journal
      node --id ID --host H --port P --join [--data-dir DIR] [--cluster-id C] [--config FILE] [--metrics-port M]
                                                       run an empty node that waits to be added with `add`; it
                                                       never campaigns on its own, learns the cluster id from the
                                                       leader that adds it (or takes C) and records it in DIR, so
                                                       the same command restarts it; FILE gives only settings
                                                       --metrics-port M: serve Prometheus metrics at
                                                       http://localhost:M/metrics; with OTEL_EXPORTER_OTLP_ENDPOINT
                                                       set, a node also exports them over OTLP
      put KEY VALUE --config FILE [--timeout SECONDS]  set KEY; prints ok
      append KEY VALUE --config FILE [--timeout S]     append to KEY's value; prints ok
      get KEY --config FILE [--timeout SECONDS]        print KEY's value (linearizable read)
      status --config FILE                             every node's role, term, leader, commit and applied index,
                                                       and how long ago the leader heard from each follower
      members --config FILE                            the members of the latest configuration (asked of any
                                                       reachable node, then of the leader): id, address, voter or
                                                       learner, match index and lag behind the leader
      add ID HOST:PORT [--learner] --config FILE [--timeout S]
                                                       add the node listening on HOST:PORT: as a learner, or (by
                                                       default) as a voter once it has caught up
      promote ID --config FILE [--timeout S]           make learner ID a voter
      remove ID --config FILE [--timeout S]            remove member ID (the leader too: it hands over first)
      transfer [--to ID] --config FILE [--timeout S]   hand leadership to node ID (default: the most up-to-date
                                                       other node) and wait until it leads
      shell --config FILE [--timeout SECONDS]          one client for many operations: reads `put KEY VALUE`,
                                                       `append KEY VALUE` or `get KEY` lines from stdin (VALUE is
                                                       the rest of the line after one space) and answers each with
                                                       one JSON line, e.g. {"op":"get","key":"k","value":"v","ok":true};
                                                       "ok":false with "error":"timeout" (outcome unknown), or
                                                       "bad-input" / "too-large" (not done; see "detail");
                                                       exit 0 at end of input
      --help                                           this text

    FILE is a cluster file such as hocon/cluster-3.hocon: clients ask its nodes, follow them to the current
    members and the leader. --timeout bounds each operation (default 10 s; 30 s for add, promote, remove).
    Exit codes: 0 done, 1 not completed (timeout: a write's outcome is unknown; node: its journal could
    not be recovered; transfer, add, promote, remove: refused or not done in time; demo: a step or check
    failed), 2 bad command
    line or configuration. A node stopped by Ctrl-C or SIGTERM first hands its leadership over, if it leads.
    """;

if (args.Length > 0 && args[0] is "--help" or "-h" or "help")
{
    Console.WriteLine(usage);
    return 0;
}
try
{
    return await RunCommand(args.Length == 0 ? ["demo"] : args);
}
catch (HostError e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

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
        if (args[i] is "--join" or "--learner")
        {
            options[args[i]] = "on";
            continue;
        }
        if (args[i] is not ("--config" or "--id" or "--data-dir" or "--timeout" or "--to" or "--host" or "--port" or "--cluster-id" or "--metrics-port"))
            throw new HostError($"unknown option '{args[i]}'; try --help");
        if (i + 1 >= args.Length) throw new HostError($"{args[i]} needs a value");
        options[args[i]] = args[++i];
    }
    if (positional.Count == 0) throw new HostError("no command given; try --help");
    var command = positional[0];
    if (options.ContainsKey("--metrics-port") && command != "node") throw new HostError($"--metrics-port goes with node, not {command}");
    var operands = positional.Skip(1).ToArray();
    var timeout = TimeSpan.FromSeconds(command is "add" or "promote" or "remove" ? 30 : 10);
    if (options.TryGetValue("--timeout", out var seconds) && (!double.TryParse(seconds, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) || s <= 0 || s > 3600))
        throw new HostError($"--timeout '{seconds}' is not a number of seconds between 0 and 3600");
    else if (seconds is not null) timeout = TimeSpan.FromSeconds(double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture));

    void Expect(int count, string shape)
    {
        if (operands.Length != count) throw new HostError($"{command} takes {shape}; try --help");
    }
    ClusterFile Cluster() => ClusterFile.Load(options.GetValueOrDefault("--config"));
    int? metricsPort = null;
    if (options.TryGetValue("--metrics-port", out var metricsText))
        metricsPort = int.TryParse(metricsText, out var m) && m is >= 1 and <= 65535 ? m : throw new HostError($"--metrics-port '{metricsText}' is not a TCP port (1-65535)");

    Task<int> Join()
    {
        var id = MembershipCommands.CheckId(options.GetValueOrDefault("--id") ?? throw new HostError("--id ID is required"));
        var host = options.GetValueOrDefault("--host") ?? throw new HostError("--host H is required with --join (the address the other nodes reach it at)");
        var portText = options.GetValueOrDefault("--port") ?? throw new HostError("--port P is required with --join");
        if (!int.TryParse(portText, out var port) || port is < 1 or > 65535) throw new HostError($"--port '{portText}' is not a TCP port (1-65535)");
        var clusterId = options.GetValueOrDefault("--cluster-id");
        if (clusterId is not null && string.IsNullOrWhiteSpace(clusterId)) throw new HostError("--cluster-id must not be empty");
        var file = options.ContainsKey("--config") ? Cluster() : null;
        var directory = options.GetValueOrDefault("--data-dir") ?? file?.DataDirectory ?? "raft-data";
        return NodeCommand.RunJoin(file?.Config ?? Akka.Configuration.Config.Empty, new NodeAddress(id, host, port, null), directory, clusterId, metricsPort);
    }

    switch (command)
    {
        case "node":
            Expect(0, "no operands, only --config FILE --id ID [--data-dir DIR], or --id ID --host H --port P --join [--data-dir DIR] [--cluster-id C]");
            if (options.ContainsKey("--join")) return await Join();
            if (new[] { "--host", "--port", "--cluster-id" }.FirstOrDefault(options.ContainsKey) is { } joinOnly)
                throw new HostError($"{joinOnly} goes with --join (a node of the cluster file listens where the file says)");
            return await NodeCommand.Run(Cluster(), options.GetValueOrDefault("--id"), options.GetValueOrDefault("--data-dir"), metricsPort);
        case "members":
            Expect(0, "no operands, only --config FILE");
            return await MembershipCommands.Members(Cluster());
        case "add":
            Expect(2, "ID HOST:PORT [--learner]");
            var (addId, address) = (MembershipCommands.CheckId(operands[0]), MembershipCommands.AddressOf(operands[1]));
            return await MembershipCommands.Change(Cluster(), options.ContainsKey("--learner") ? new AddLearner(addId, address) : new AddVoter(addId, address), addId, timeout);
        case "promote":
            Expect(1, "ID");
            var promoted = MembershipCommands.CheckId(operands[0]);
            return await MembershipCommands.Change(Cluster(), new PromoteLearner(promoted), promoted, timeout);
        case "remove":
            Expect(1, "ID");
            var removed = MembershipCommands.CheckId(operands[0]);
            return await MembershipCommands.Change(Cluster(), new RemoveMember(removed), removed, timeout);
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
        case "demo":
            Expect(0, "no operands");
            if (options.Count > 0) throw new HostError($"demo takes no options (it writes its own cluster file), found {options.Keys.First()}");
            return await DemoCommand.Run();
        case "status":
            Expect(0, "no operands, only --config FILE");
            return await ClientCommands.Status(Cluster());
        case "transfer":
            Expect(0, "no operands, only [--to ID] --config FILE [--timeout SECONDS]");
            return await TransferCommand.Run(Cluster(), options.GetValueOrDefault("--to"), timeout);
        default:
            throw new HostError($"unknown command '{command}'; try --help");
    }
}
