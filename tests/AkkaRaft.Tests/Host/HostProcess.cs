using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using AkkaRaft.Tests.Harness;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// Runs the built Host (copied beside the tests) as a real process and collects what it says. Every process started
/// here is tracked until it exits, and killed with its whole tree when the test process exits, so a failed or aborted
/// test never leaves a node listening behind it.
/// </summary>
internal static class HostProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private static readonly List<PosixSignalRegistration> Signals = new();
    private static int _backstopRegistered;

    /// <summary>
    /// A backstop, registered once: each test cleans up its own processes, but when the test host exits or is told to
    /// stop (SIGTERM, SIGINT, SIGQUIT, SIGHUP) while some still run, they are killed then. The signal handlers run first,
    /// before any ProcessExit handler (an ActorSystem's shutdown can take long enough for the runner to give up on the
    /// host). Call it before creating an ActorSystem so the ProcessExit handler also runs ahead of theirs. A SIGKILL of
    /// the test host itself leaves no chance to clean up.
    /// </summary>
    public static void RegisterBackstop()
    {
        if (Interlocked.Exchange(ref _backstopRegistered, 1) == 1) return;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP })
        {
            try
            {
                Signals.Add(PosixSignalRegistration.Create(signal, _ => KillAll()));
            }
            catch (PlatformNotSupportedException)
            {
                // Not on this platform: ProcessExit remains.
            }
        }
    }

    public static async Task<Result> Run(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        using var process = Start(workingDirectory, args);
        try
        {
            var (exitCode, stdout, stderr) = await ChildProcess.WaitForExit(process, timeout, Kill, $"the Host ({string.Join(" ", args)})");
            return new Result(exitCode, stdout, stderr);
        }
        finally
        {
            Live.TryRemove(process.Id, out _);
        }
    }

    /// <summary>
    /// Starts the Host with <paramref name="args"/>, output redirected and not yet read, and tracks it. A
    /// <paramref name="launcher"/> (a command that prepares something and then <c>exec</c>s the rest of its arguments)
    /// runs first, in the same process, so the tracked process id stays the Host's.
    /// </summary>
    public static Process Start(string workingDirectory, IEnumerable<string> args, IReadOnlyList<string>? launcher = null)
    {
        RegisterBackstop();
        var command = (launcher ?? []).Concat(["dotnet", Path.Combine(AppContext.BaseDirectory, "AkkaRaft.Host.dll")]).Concat(args).ToList();
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in command.Skip(1)) start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the Host");
        Live[process.Id] = process;
        return process;
    }

    /// <summary>Kills <paramref name="process"/> and everything it started (SIGKILL on Linux: no shutdown code runs), and forgets it.</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
        Live.TryRemove(process.Id, out _);
    }

    private static void KillAll()
    {
        foreach (var process in Live.Values) Kill(process);
    }
}

/// <summary>
/// One long-running <c>node</c> process. Its stdout and stderr are read as they come (a full pipe would block the
/// node) and kept, so a test can wait for a line the node logs and show the log when it fails.
/// </summary>
internal sealed class HostNodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = new();
    private readonly object _gate = new();
    private bool _disposed;

    public HostNodeProcess(string id, string workingDirectory, IEnumerable<string> args, IReadOnlyList<string>? launcher = null)
    {
        Id = id;
        _process = HostProcess.Start(workingDirectory, args, launcher);
        ProcessId = _process.Id;
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Id { get; }

    public int ProcessId { get; }

    public bool HasExited => _disposed || _process.HasExited;

    /// <summary>Everything the node has written so far, one entry per line.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate) return _lines.ToArray();
        }
    }

    /// <summary>Kills the process (SIGKILL, as <c>kill -9</c>) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        HostProcess.Kill(_process);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cancel.Token);
    }

    /// <summary>Sends the process a signal by name (<c>STOP</c>, <c>CONT</c>, <c>TERM</c>), as <c>kill -NAME</c> does.</summary>
    public async Task SignalAsync(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{name} {ProcessId} ({Id}) exited with {kill.ExitCode}");
    }

    /// <summary>Stops the process as an operator would (SIGTERM) and waits until it has exited; returns its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan within)
    {
        await SignalAsync("TERM");
        using var cancel = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        HostProcess.Kill(_process);
        _process.WaitForExit(TimeSpan.FromSeconds(30));
        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_gate) _lines.Add(line);
    }
}
