using System.CommandLine;
using System.CommandLine.Parsing;

namespace AkkaRaft.Host;

/// <summary>
/// Turns what System.CommandLine found wrong with a command line into one line that names the problem (an unknown
/// command or option with the closest known one, a missing operand or value), instead of its list of errors and the
/// whole help text. The line is built from the parse tree, not from the library's (localized) messages, except for
/// the messages of the Host's own value parsers.
/// </summary>
internal static class CommandLineErrors
{
    /// <summary>The problem with <paramref name="result"/> in one line, or null when the command line is fine.</summary>
    public static string? Describe(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var isRoot = command is RootCommand;
        var hint = isRoot ? "try --help" : $"try '{command.Name} --help'";
        // Help, --version and completion requests clear the errors and run in place of the command.
        if (result.Errors.Count == 0 && result.Action != command.Action) return null;

        if (isRoot)
        {
            var first = result.Tokens.FirstOrDefault(t => t.Type == TokenType.Argument)?.Value;
            if (first is null) return $"no command given; {hint}";
            return first.StartsWith('-')
                ? $"no command given before '{first}' (the command comes first, e.g. status --config FILE); {hint}"
                : $"unknown command '{first}'{Suggest(first, command.Subcommands.Select(c => c.Name))}; {hint}";
        }
        // An unknown option may have been taken as an operand or as another option's value: any word starting with --
        // is taken for an option.
        if (StrayOption(result) is { } stray) return UnknownOption(command, stray, hint);
        if (result.UnmatchedTokens.FirstOrDefault() is { } unmatched)
        {
            if (unmatched.StartsWith('-') && unmatched.Length > 1) return UnknownOption(command, unmatched, hint);
            return command.Arguments.Count == 0
                ? $"{command.Name} takes no operands, found '{unmatched}'; {hint}"
                : $"{command.Name} takes {Shape(command)}; '{unmatched}' is one operand too many; {hint}";
        }
        if (command.Arguments.Any(a => (result.GetResult(a)?.Tokens.Count ?? 0) < a.Arity.MinimumNumberOfValues))
            return $"{command.Name} takes {Shape(command)}; {hint}";
        foreach (var option in command.Options)
        {
            var given = result.GetResult(option);
            if (given is { Implicit: false } && given.Tokens.Count < option.Arity.MinimumNumberOfValues)
                return $"{option.Name} needs a value ({option.Name} {option.HelpName ?? "VALUE"})";
            if (option.Required && given is null or { Implicit: true })
                return $"{option.Name} {option.HelpName} is required" + (HostOptions.RequiredExamples.TryGetValue(option.Name, out var example) ? $" ({example})" : "");
        }
        // What remains are the errors of the Host's own parsers and validators, already one line each.
        return result.Errors.Count == 0 ? null : OneLine(result.Errors[0].Message);
    }

    /// <summary>A word starting with -- that no option of the command knows, taken as a value; null when there is none.</summary>
    private static string? StrayOption(ParseResult result)
    {
        foreach (var token in result.Tokens)
        {
            if (token.Type == TokenType.DoubleDash) return null; // what follows -- is never an option
            if (token.Type == TokenType.Argument && token.Value.StartsWith("--", StringComparison.Ordinal) && token.Value.Length > 2) return token.Value;
        }
        return null;
    }

    private static string UnknownOption(Command command, string option, string hint) =>
        $"unknown option '{option}' for {command.Name}{Suggest(option, OptionNames(command))}; {hint}";

    /// <summary>The options <paramref name="command"/> accepts, its own and the recursive ones above it (--help).</summary>
    private static IEnumerable<string> OptionNames(Command command) =>
        command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)))
            .SelectMany(o => o.Aliases.Prepend(o.Name))
            .Where(name => name.StartsWith("--", StringComparison.Ordinal));

    /// <summary>The operands of <paramref name="command"/> as its help names them: "ID HOST:PORT".</summary>
    private static string Shape(Command command) => command.Arguments.Count == 0 ? "no operands" : string.Join(" ", command.Arguments.Select(a => a.Name));

    /// <summary>" (did you mean 'status'?)" for the known word closest to <paramref name="word"/>, or "" when none is close.</summary>
    public static string Suggest(string word, IEnumerable<string> known)
    {
        var best = known
            .Select(k => (Known: k, Distance: Distance(word, k)))
            .Where(k => k.Distance <= Math.Max(1, k.Known.TrimStart('-').Length / 3) || (word.Length >= 3 && k.Known.StartsWith(word, StringComparison.Ordinal)))
            .OrderBy(k => k.Distance)
            .Select(k => k.Known)
            .FirstOrDefault();
        return best is null ? "" : $" (did you mean '{best}'?)";
    }

    /// <summary>Edits (insert, delete, replace, swap two neighbours) that turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }

    private static string OneLine(string message) => string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>The end of every command's help: what FILE is, the default timeouts, the exit codes.</summary>
internal static class HelpFooter
{
    private static readonly IReadOnlyDictionary<string, string> NotCompleted = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["demo"] = "a step or check failed",
        ["node"] = "its journal could not be recovered",
        ["put"] = "timed out: the write's outcome is unknown",
        ["append"] = "timed out: the write's outcome is unknown",
        ["get"] = "no server answered in time",
        ["status"] = "no node answered",
        ["members"] = "no node answered",
        ["add"] = "refused, or not done within --timeout",
        ["promote"] = "refused, or not done within --timeout",
        ["remove"] = "refused, or not done within --timeout",
        ["transfer"] = "refused, or not done within --timeout",
    };

    /// <summary>Written after the generated help of <paramref name="command"/>.</summary>
    public static void Write(Command command, TextWriter output)
    {
        if (command is RootCommand)
        {
            output.WriteLine("""
                FILE is a cluster file such as hocon/cluster-3.hocon: clients ask its nodes and follow them to the current
                members and the leader. --timeout bounds each operation (default 10 s; 30 s for add, promote, remove).
                A node stopped by Ctrl-C or SIGTERM first hands its leadership over, if it leads.

                Exit codes:
                  0  done
                  1  not completed (timeout: a write's outcome is unknown; node: its journal could not be recovered;
                     transfer, add, promote, remove: refused or not done in time; demo: a step or check failed)
                  2  bad command line or configuration (one line on stderr names the problem)
                """);
            return;
        }
        output.WriteLine("Exit codes:");
        output.WriteLine("  0  done");
        if (NotCompleted.TryGetValue(command.Name, out var one)) output.WriteLine($"  1  not completed: {one}");
        output.WriteLine("  2  bad command line or configuration (one line on stderr names the problem)");
    }
}
