using System.Diagnostics;
using System.Text;
using AkkaRaft.Host;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// The built Host (copied beside the tests) running as a real process that the test talks to: lines in on stdin, lines
/// out on stdout, stderr collected. Disposing it kills the process if it is still running, so a failed test leaves
/// nothing behind.
/// </summary>
internal sealed class HostChild : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private HostChild(Process process)
    {
        _process = process;
    }

    /// <summary>The Host as the tests run it: <c>dotnet AkkaRaft.Host.dll</c>.</summary>
    public static HostProgram Program { get; } = new("dotnet", [Path.Combine(AppContext.BaseDirectory, "AkkaRaft.Host.dll")]);

    public static HostChild Start(string workingDirectory, params string[] args)
    {
        var start = Program.StartInfo(args);
        start.WorkingDirectory = workingDirectory;
        start.StandardInputEncoding = new UTF8Encoding(false);
        start.StandardOutputEncoding = new UTF8Encoding(false);
        start.StandardErrorEncoding = new UTF8Encoding(false);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the Host");
        var child = new HostChild(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (child._stderr) child._stderr.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The process id, for signals.</summary>
    public int Pid => _process.Id;

    /// <summary>What the process has written on stderr so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n");
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Ends the process's input (end of file on its stdin).</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>The next line on stdout (null at its end); fails if none comes within <paramref name="timeout"/>.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan timeout)
    {
        try
        {
            return await _process.StandardOutput.ReadLineAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"the Host wrote no line within {timeout.TotalSeconds} s; stderr:\n{Stderr}");
        }
    }

    /// <summary>The rest of stdout and the exit code; fails (and kills the process) if it has not ended within <paramref name="timeout"/>.</summary>
    public async Task<(int ExitCode, string Stdout)> WaitForExitAsync(TimeSpan timeout)
    {
        var stdout = _process.StandardOutput.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"the Host did not exit within {timeout.TotalSeconds} s; stdout:\n{await stdout}\nstderr:\n{Stderr}");
        }
        return (_process.ExitCode, await stdout);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
        _process.Dispose();
    }
}
