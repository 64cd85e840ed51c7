using System.Diagnostics;
using AkkaRaft.Tests.Harness;

namespace AkkaRaft.Tests.Packaging;

/// <summary>Runs the dotnet CLI as a child process, with none of the test run's MSBuild or test-platform environment.</summary>
internal static class DotnetCli
{
    public sealed record Result(int ExitCode, string Output)
    {
        /// <summary>The last <paramref name="lines"/> lines, enough to show why a build or test run failed.</summary>
        public string Tail(int lines = 120) => string.Join('\n', Output.Split('\n').TakeLast(lines));
    }

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="workingDirectory"/>. Build servers are off
    /// (no MSBuild node reuse, no shared compiler), so nothing outlives the command; the process is killed, with its
    /// tree, when it runs longer than <paramref name="timeout"/>.
    /// </summary>
    public static async Task<Result> Run(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // The test host runs under `dotnet test`, whose MSBuild and test-platform variables would steer the child.
        foreach (var name in start.Environment.Keys.Where(IsInherited).ToArray()) start.Environment.Remove(name);
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var (exitCode, stdout, stderr) = await ChildProcess.WaitForExit(process, timeout, p => p.Kill(entireProcessTree: true), $"dotnet {string.Join(" ", args)}");
        return new Result(exitCode, stdout + stderr);
    }

    private static bool IsInherited(string name) =>
        name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) ||
        name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) ||
        name.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase);
}
