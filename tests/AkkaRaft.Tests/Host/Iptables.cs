using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// The few iptables operations the partition harness needs, each a call of <c>iptables-save</c> or
/// <c>iptables-restore --noflush</c>. Rules change in transactions (one restore applies all its lines or none), and a
/// run's rules are found by the comment they carry, so nothing else on the machine is flushed or touched.
/// </summary>
internal static class Iptables
{
    /// <summary>Where the tools are looked for besides PATH: a test runner's PATH often lacks the sbin directories.</summary>
    private static readonly string[] SystemDirectories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

    /// <summary>The full path of <paramref name="tool"/>, or null when it is not installed.</summary>
    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(SystemDirectories)
            .Select(directory => Path.Combine(directory, tool))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// Applies <paramref name="rules"/>, lines in <c>iptables-restore</c>'s syntax grouped by table (each
    /// <c>(table, "-I INPUT ...")</c>), in one transaction that leaves every other rule in place.
    /// </summary>
    public static void Apply(IEnumerable<(string Table, string Rule)> rules)
    {
        var text = new StringBuilder();
        foreach (var table in rules.GroupBy(r => r.Table))
        {
            text.Append('*').Append(table.Key).Append('\n');
            foreach (var (_, rule) in table) text.Append(rule).Append('\n');
            text.Append("COMMIT\n");
        }
        if (text.Length == 0) return;
        Run("iptables-restore", ["-w", "--noflush"], text.ToString());
    }

    /// <summary>Every rule whose comment is <paramref name="tag"/>, as <c>iptables-save</c> prints it, in the given tables.</summary>
    public static IReadOnlyList<(string Table, string Rule)> Tagged(string tag, params string[] tables)
    {
        var comment = new Regex($@"\s--comment\s+""?{Regex.Escape(tag)}""?(\s|$)");
        var found = new List<(string, string)>();
        foreach (var table in tables)
        {
            foreach (var line in Run("iptables-save", ["-t", table]).Split('\n'))
                if (line.StartsWith("-A ", StringComparison.Ordinal) && comment.IsMatch(line)) found.Add((table, line));
        }
        return found;
    }

    /// <summary>Deletes every rule tagged <paramref name="tag"/> in <paramref name="tables"/>, in one transaction; returns how many.</summary>
    public static int DeleteTagged(string tag, params string[] tables)
    {
        var rules = Tagged(tag, tables);
        // iptables-save prints each rule as the "-A" that would recreate it; the same line with "-D" deletes exactly it.
        Apply(rules.Select(r => (r.Table, "-D " + r.Rule[3..])));
        return rules.Count;
    }

    /// <summary>Runs <paramref name="tool"/> and returns its output; fails with its stderr when it exits non-zero.</summary>
    public static string Run(string tool, IReadOnlyList<string> args, string? input = null)
    {
        var path = Find(tool) ?? throw new InvalidOperationException($"{tool} is not installed");
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new InvalidOperationException($"{path} {string.Join(" ", args)} did not finish within 30 s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{path} {string.Join(" ", args)} exited with {process.ExitCode}: {stderr.Result.Trim()}{(input is null ? "" : $"\ninput:\n{input}")}");
        return stdout.Result;
    }
}
