using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using AkkaRaft.Actors;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Host;

/// <summary>
/// The Host's commands, options and operands (System.CommandLine), their generated help, and how a run ends: exit 0
/// when done, 1 when not completed, 2 with one <c>error: ...</c> line for a bad command line or configuration.
/// </summary>
internal static class HostCommandLine
{
    /// <summary>Exit code of a bad command line or configuration.</summary>
    public const int BadCommandLine = 2;

    /// <summary>Parses <paramref name="args"/> (none means <c>demo</c>) and runs the command, or prints help or one error line.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build();
        // A word starting with @ is a key or a value like any other, never a file of more arguments.
        var result = root.Parse(Normalise(args), new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (CommandLineErrors.Describe(result) is { } problem)
        {
            error.WriteLine($"error: {problem}");
            return BadCommandLine;
        }
        var invocation = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // A HostError must reach the catch below; and the node, the demo and `status --watch` handle Ctrl-C
            // themselves (a node hands its leadership over first, the demo stops its children).
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await result.InvokeAsync(invocation);
        }
        catch (HostError e)
        {
            error.WriteLine($"error: {e.Message}");
            return BadCommandLine;
        }
    }

    /// <summary>No arguments runs the demo; <c>help [COMMAND]</c> is <c>[COMMAND] --help</c>.</summary>
    private static string[] Normalise(string[] args) => args switch
    {
        [] => ["demo"],
        ["help", .. var rest] => [.. rest, "--help"],
        _ => args,
    };

    /// <summary>A description written over several source lines, as one paragraph: the help wraps it to the terminal.</summary>
    private static string Text(string paragraph) => string.Join(" ", paragraph.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The whole command tree, with its help layout.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand(Text("""
            AkkaRaft.Host: Raft consensus on Akka.NET. A key-value node over Akka.Remote, clients of a running cluster,
            and a demo. With no command it runs the demo. Run it through `dotnet run --project src/AkkaRaft.Host -- ...`
            or as the built program; `COMMAND --help` describes each command.
            """))
        {
            Demo(), Node(), Put(), Append(), Get(), Status(), Members(), Add(), Promote(), Remove(), Transfer(), Shell(),
        };
        // The same name in the usage lines however it was started (the apphost, `dotnet AkkaRaft.Host.dll`, a test).
        root.HelpName = "AkkaRaft.Host";
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithFooter((HelpAction)help.Action!);
        return root;
    }

    /// <summary>The generated help, then <see cref="HelpFooter"/>: what FILE is, the default timeouts, the exit codes.</summary>
    private sealed class HelpWithFooter : SynchronousCommandLineAction
    {
        private readonly HelpAction _generated;

        public HelpWithFooter(HelpAction generated)
        {
            _generated = generated;
            _generated.MaxWidth = Width();
        }

        public override bool ClearsParseErrors => true;

        /// <summary>The terminal's width within 60-120 columns; 120 for a file or a pipe.</summary>
        private static int Width()
        {
            try
            {
                return Console.IsOutputRedirected ? 120 : Math.Clamp(Console.WindowWidth, 60, 120);
            }
            catch (IOException)
            {
                return 120;
            }
        }

        public override int Invoke(ParseResult parseResult)
        {
            var code = _generated.Invoke(parseResult);
            HelpFooter.Write(parseResult.CommandResult.Command, parseResult.InvocationConfiguration.Output);
            return code;
        }
    }

    private static Command Demo()
    {
        var command = new Command("demo", Text("""
            Runs 3 nodes as child processes on free loopback ports. A client writes, the leader is killed with kill -9,
            a new one takes over, the killed node restarts and catches up, and every acknowledged write is checked;
            a table of the nodes is printed at each step. Exit 0 when every acknowledged write is found.
            """));
        command.SetAction((_, _) => DemoCommand.Run());
        return command;
    }

    private static Command Node()
    {
        var config = new Option<string>("--config")
        {
            HelpName = "FILE",
            Description = "The cluster file. Its nodes are the node's first configuration only: after changes it recovers its configuration from its own journal. With --join it gives only settings.",
        };
        var id = new Option<string>("--id") { HelpName = "ID", Required = true, Description = "The node's id: one of FILE's nodes, or a new id with --join." };
        var dataDir = new Option<string>("--data-dir") { HelpName = "DIR", Description = "Where its journal lives (default: FILE's akkaraft.data-dir, else raft-data)." };
        var join = new Option<bool>("--join") { Description = "Start empty and wait to be added with `add`; never campaign on its own." };
        var host = new Option<string>("--host") { HelpName = "H", Description = "With --join: the address the other nodes reach it at." };
        var port = HostOptions.Port("--port", "P", "With --join: the TCP port it listens on (1-65535).");
        var clusterId = new Option<string>("--cluster-id") { HelpName = "C", Description = "With --join: the group's cluster id (default: learned from the leader that adds it, then recorded in DIR)." };
        var metricsPort = HostOptions.Port("--metrics-port", "M",
            "Serve the AkkaRaft metrics for Prometheus at http://localhost:M/metrics (1-65535). With OTEL_EXPORTER_OTLP_ENDPOINT set, the node also exports them over OTLP.");
        var command = new Command("node", Text("""
            Runs one node of the cluster in FILE in the foreground (node --config FILE --id ID). With --join
            (node --id ID --host H --port P --join) it runs an empty node that waits to be added with `add`: it learns
            the cluster id from the leader that adds it (or takes C) and records it in DIR, so the same command restarts
            it. Ctrl-C or SIGTERM stops it, after it hands its leadership over if it leads. Exit 1 when its journal
            could not be recovered.
            """))
        {
            config, id, dataDir, join, host, port, clusterId, metricsPort,
        };
        command.SetAction(async (r, _) =>
        {
            var me = MembershipCommands.CheckId(r.GetValue(id)!);
            if (r.GetValue(join))
            {
                var hostName = r.GetValue(host) ?? throw new HostError("--host H is required with --join (the address the other nodes reach it at)");
                var portNumber = r.GetValue(port) ?? throw new HostError("--port P is required with --join");
                var group = r.GetValue(clusterId);
                if (group is not null && string.IsNullOrWhiteSpace(group)) throw new HostError("--cluster-id must not be empty");
                var file = r.GetValue(config) is { } path ? ClusterFile.Load(path) : null;
                var directory = r.GetValue(dataDir) ?? file?.DataDirectory ?? "raft-data";
                return await NodeCommand.RunJoin(file?.Config ?? Akka.Configuration.Config.Empty, new NodeAddress(me, hostName, portNumber, null), directory, group, r.GetValue(metricsPort));
            }
            if (new Option[] { host, port, clusterId }.FirstOrDefault(o => r.GetResult(o) is { Implicit: false }) is { } joinOnly)
                throw new HostError($"{joinOnly.Name} goes with --join (a node of the cluster file listens where the file says)");
            return await NodeCommand.Run(ClusterFile.Load(r.GetValue(config)), me, r.GetValue(dataDir), r.GetValue(metricsPort));
        });
        return command;
    }

    private static Command Put() => KeyValue("put", "Sets KEY to VALUE; prints ok.", KvOperation.Put);

    private static Command Append() => KeyValue("append", "Appends VALUE to KEY's value; prints ok.", KvOperation.Append);

    private static Command Get() => KeyValue("get", "Prints KEY's value (a linearizable read); exit 1 when no server answered in time.", KvOperation.Get);

    private static Command KeyValue(string name, string description, KvOperation operation)
    {
        var config = HostOptions.Config();
        var timeout = HostOptions.Timeout(10);
        var key = new Argument<string>("KEY") { Description = "The key." };
        var value = new Argument<string>("VALUE") { Description = operation == KvOperation.Put ? "The new value." : "The text to append." };
        var command = new Command(name, operation == KvOperation.Get ? description
            : $"{description} Exit 1 when it timed out: the outcome is unknown (the write may or may not have been applied).");
        command.Add(key);
        if (operation != KvOperation.Get) command.Add(value);
        command.Add(config);
        command.Add(timeout);
        command.SetAction((r, _) => ClientCommands.Operation(ClusterFile.Load(r.GetValue(config)), operation, r.GetValue(key)!,
            operation == KvOperation.Get ? null : r.GetValue(value), HostOptions.Seconds(r.GetValue(timeout))));
        return command;
    }

    private static Command Status()
    {
        var config = HostOptions.Config();
        var watch = new Option<bool>("--watch") { Description = "Redraw a table of the nodes in place (a fresh table per interval when stdout is not a terminal) until Ctrl-C, which ends it with exit 0." };
        var interval = HostOptions.Positive("--interval", "SECONDS", "With --watch: seconds between two refreshes.", 1, 3600);
        var command = new Command("status", Text("""
            Prints every node's role, term, leader, commit and applied index, and how long ago the leader heard from
            each follower; a node that is no longer a member says so. Nodes added after FILE was written are found
            through the members. With --watch it keeps a live table: per node role, term, leader, commit, applied,
            lag (entries its applied index trails the leader's commit index) and the leader's last contact.
            Exit 1 when no node answered.
            """))
        {
            config, watch, interval,
        };
        command.SetAction((r, cancel) =>
        {
            if (!r.GetValue(watch) && r.GetResult(interval) is { Implicit: false }) throw new HostError("--interval goes with --watch");
            var cluster = ClusterFile.Load(r.GetValue(config));
            return r.GetValue(watch) ? StatusWatch.Run(cluster, HostOptions.Seconds(r.GetValue(interval)), cancel) : ClientCommands.Status(cluster);
        });
        return command;
    }

    private static Command Members()
    {
        var config = HostOptions.Config();
        var command = new Command("members", Text("""
            Prints the members of the latest configuration (asked of any reachable node, then of the leader): id,
            address, voter or learner, match index and lag behind the leader. Exit 1 when no node answered.
            """))
        {
            config,
        };
        command.SetAction((r, _) => MembershipCommands.Members(ClusterFile.Load(r.GetValue(config))));
        return command;
    }

    private static Command Add()
    {
        var (config, timeout) = (HostOptions.Config(), HostOptions.Timeout(30));
        var id = new Argument<string>("ID") { Description = "The new member's id, such as n4." };
        var address = new Argument<string>("HOST:PORT") { Description = "Where the node (started with node --join) listens." };
        var learner = new Option<bool>("--learner") { Description = "Add it as a learner only (default: as a voter once it has caught up)." };
        var command = new Command("add", Text("""
            Adds the node listening on HOST:PORT: as a learner, or (by default) as a voter once it has caught up.
            Exit 1 when refused or not done within --timeout.
            """))
        {
            id, address, learner, config, timeout,
        };
        command.SetAction((r, _) =>
        {
            var (member, path) = (MembershipCommands.CheckId(r.GetValue(id)!), MembershipCommands.AddressOf(r.GetValue(address)!));
            object change = r.GetValue(learner) ? new AddLearner(member, path) : new AddVoter(member, path);
            return MembershipCommands.Change(ClusterFile.Load(r.GetValue(config)), change, member, HostOptions.Seconds(r.GetValue(timeout)));
        });
        return command;
    }

    private static Command Promote() => Change("promote", "Makes learner ID a voter.", id => new PromoteLearner(id));

    private static Command Remove() => Change("remove", "Removes member ID, voter or learner (the leader too: it hands over first).", id => new RemoveMember(id));

    private static Command Change(string name, string description, Func<string, object> request)
    {
        var (config, timeout) = (HostOptions.Config(), HostOptions.Timeout(30));
        var id = new Argument<string>("ID") { Description = "The member's id." };
        var command = new Command(name, $"{description} Exit 1 when refused or not done within --timeout.") { id, config, timeout };
        command.SetAction((r, _) =>
        {
            var member = MembershipCommands.CheckId(r.GetValue(id)!);
            return MembershipCommands.Change(ClusterFile.Load(r.GetValue(config)), request(member), member, HostOptions.Seconds(r.GetValue(timeout)));
        });
        return command;
    }

    private static Command Transfer()
    {
        var (config, timeout) = (HostOptions.Config(), HostOptions.Timeout(10));
        var to = new Option<string>("--to") { HelpName = "ID", Description = "The node to hand leadership to (default: the most up-to-date other node)." };
        var command = new Command("transfer", Text("""
            Hands leadership to node ID and waits until it leads; prints who leads and how soon. Exit 1 when refused
            or not done within --timeout.
            """))
        {
            to, config, timeout,
        };
        command.SetAction((r, _) => TransferCommand.Run(ClusterFile.Load(r.GetValue(config)), r.GetValue(to), HostOptions.Seconds(r.GetValue(timeout))));
        return command;
    }

    private static Command Shell()
    {
        var (config, timeout) = (HostOptions.Config(), HostOptions.Timeout(10));
        var command = new Command("shell", Text("""
            One client for many operations: reads `put KEY VALUE`, `append KEY VALUE` or `get KEY` lines from stdin
            (VALUE is the rest of the line after one space) and answers each with one JSON line, e.g.
            {"op":"get","key":"k","value":"v","ok":true}; "ok":false with "error":"timeout" (outcome unknown), or
            "bad-input" / "too-large" (not done; see "detail"). Exit 0 at the end of the input.
            """))
        {
            config, timeout,
        };
        command.SetAction((r, _) => ShellCommand.Run(ClusterFile.Load(r.GetValue(config)), HostOptions.Seconds(r.GetValue(timeout))));
        return command;
    }
}
