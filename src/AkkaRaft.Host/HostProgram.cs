using System.Diagnostics;

namespace AkkaRaft.Host;

/// <summary>How to start a program as a child process: the file to run and the arguments that come before the command.</summary>
/// <param name="FileName">The executable: the Host's apphost, or <c>dotnet</c>.</param>
/// <param name="LeadingArguments">Arguments before the Host's own: the Host's dll when run through <c>dotnet</c>.</param>
internal sealed record HostProgram(string FileName, IReadOnlyList<string> LeadingArguments)
{
    /// <summary>
    /// This very Host, as it was started: <c>dotnet AkkaRaft.Host.dll</c> again when run through the muxer, else the
    /// apphost executable itself (which is what <c>dotnet run</c> starts).
    /// </summary>
    public static HostProgram Current()
    {
        var process = Environment.ProcessPath ?? throw new HostError("cannot tell which program is running, so cannot start its nodes");
        if (!Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return new HostProgram(process, []);
        var dll = typeof(HostProgram).Assembly.Location;
        if (string.IsNullOrEmpty(dll)) throw new HostError("cannot find AkkaRaft.Host.dll to start the nodes with");
        return new HostProgram(process, [dll]);
    }

    /// <summary>Start information for this program with <paramref name="arguments"/>, every stream redirected.</summary>
    public ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in LeadingArguments.Concat(arguments)) start.ArgumentList.Add(argument);
        return start;
    }
}
