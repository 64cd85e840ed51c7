using System.Diagnostics;

namespace AkkaRaft.Tests.Harness;

/// <summary>What the tests that run other programs (the Host, the dotnet CLI) share: waiting for one to finish.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// Reads the standard output and error of <paramref name="process"/> (started with both redirected) to their end
    /// and waits for it to exit. Past <paramref name="timeout"/> it is stopped with <paramref name="kill"/> and the test
    /// fails, naming <paramref name="what"/>.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> WaitForExit(Process process, TimeSpan timeout, Action<Process> kill, string what)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            kill(process);
            throw new Xunit.Sdk.XunitException($"{what} did not exit within {timeout.TotalSeconds} s");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
