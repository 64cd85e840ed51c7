using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace AkkaRaft.Host;

/// <summary>
/// The options several commands share, and the parsers of numbers that say in one line what is wrong with a value.
/// Each command gets its own instances, so a default or a requirement can differ between commands.
/// </summary>
internal static class HostOptions
{
    /// <summary>Names of options that need an example in the "is required" message, and that example.</summary>
    public static readonly IReadOnlyDictionary<string, string> RequiredExamples = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--config"] = "for example --config hocon/cluster-3.hocon",
        ["--id"] = "one of the nodes in the cluster file, or a new id with --join",
    };

    /// <summary>The cluster file a client starts from.</summary>
    public static Option<string> Config() => new("--config")
    {
        HelpName = "FILE",
        Required = true,
        Description = "The cluster file, such as hocon/cluster-3.hocon: the client asks its nodes and follows them to the current members and the leader.",
    };

    /// <summary><c>--timeout SECONDS</c>, <paramref name="defaultSeconds"/> when not given.</summary>
    public static Option<double> Timeout(double defaultSeconds) =>
        Positive("--timeout", "SECONDS", "Bound on each operation, in seconds (at most 3600).", defaultSeconds, 3600);

    /// <summary>A number of seconds above 0 and at most <paramref name="max"/>, <paramref name="defaultValue"/> when not given.</summary>
    public static Option<double> Positive(string name, string helpName, string description, double defaultValue, double max) => new(name)
    {
        HelpName = helpName,
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return defaultValue;
            var text = result.Tokens[0].Value;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= max) return value;
            result.AddError($"{name} '{text}' is not a number of seconds between 0 and {max.ToString(CultureInfo.InvariantCulture)}");
            return defaultValue;
        },
    };

    /// <summary>A TCP port, 1-65535.</summary>
    public static Option<int?> Port(string name, string helpName, string description) => new(name)
    {
        HelpName = helpName,
        Description = description,
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return null;
            var text = result.Tokens[0].Value;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535) return port;
            result.AddError($"{name} '{text}' is not a TCP port (1-65535)");
            return null;
        },
    };

    public static TimeSpan Seconds(double seconds) => TimeSpan.FromSeconds(seconds);
}
