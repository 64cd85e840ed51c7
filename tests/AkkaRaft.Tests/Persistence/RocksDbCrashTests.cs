using System.Diagnostics;
using System.Threading.Channels;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Persistence;

/// <summary>The crash test runs alone: it starts and kills child processes, and two at once would only slow each other.</summary>
[CollectionDefinition(Name)]
public sealed class RocksDbCrashCollection
{
    public const string Name = "rocksdb-crash";
}

/// <summary>
/// A child process persists numbered events through the RocksDB journal and prints each acknowledged sequence number;
/// the test kills it with SIGKILL at random moments and restarts it on the same directory. After every restart the
/// events it recovers must be exactly 1..N with their payloads (the child checks), with N at least the last
/// acknowledged number: an acknowledged write is never lost, torn, duplicated or out of place.
/// </summary>
[Collection(RocksDbCrashCollection.Name)]
public sealed class RocksDbCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 50;
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(30);
    private readonly string _path = RocksDbTestSupport.NewPath();

    public void Dispose() => RocksDbTestSupport.Delete(_path);

    [Fact]
    public async Task Every_acknowledged_write_is_recovered_after_kill_9()
    {
        var seed = Environment.GetEnvironmentVariable("ROCKSDB_CRASH_SEED") is { } fixedSeed ? int.Parse(fixedSeed) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (set ROCKSDB_CRASH_SEED to repeat)");
        var random = new Random(seed);
        var acknowledged = 0L;
        var clock = Stopwatch.StartNew();
        for (var kill = 1; kill <= Kills; kill++)
        {
            var started = clock.Elapsed;
            using var child = new Child(_path);
            try
            {
                var first = await child.NextLine(LineTimeout);
                var recoveredAt = clock.Elapsed;
                var recovered = ParseRecovered(first, child);
                Assert.True(recovered >= acknowledged,
                    $"kill {kill}: recovered {recovered} events but {acknowledged} were acknowledged (seed {seed})");
                Assert.True(recovered <= acknowledged + 1,
                    $"kill {kill}: recovered {recovered} events, more than the {acknowledged} acknowledged plus the one in flight (seed {seed})");

                var next = recovered + 1;
                var acksBeforeKill = 1 + random.Next(5);
                for (var i = 0; i < acksBeforeKill; i++) Assert.Equal($"ack {next++}", await child.NextLine(LineTimeout));
                await Task.Delay(random.Next(300));
                child.Kill();
                // Every line printed before the kill is an acknowledged write, whether or not it was read yet.
                acknowledged = next - 1;
                await foreach (var line in child.RemainingLines())
                {
                    Assert.Equal($"ack {next}", line);
                    acknowledged = next++;
                }
                output.WriteLine($"kill {kill}: recovered {recovered} after {(recoveredAt - started).TotalMilliseconds:F0} ms, "
                    + $"killed at {acknowledged} after {(clock.Elapsed - recoveredAt).TotalMilliseconds:F0} ms more");
            }
            catch (Exception) when (Dump(child, kill))
            {
                throw;
            }
        }

        using var last = new Child(_path);
        Assert.True(ParseRecovered(await last.NextLine(LineTimeout), last) >= acknowledged);
        last.Kill();
        output.WriteLine($"{Kills} kills, {acknowledged} acknowledged events, {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static long ParseRecovered(string line, Child child)
    {
        var parts = line.Split(' ', 3);
        Assert.True(parts.Length == 3 && parts[0] == "recovered", $"expected 'recovered <n> ok', got '{line}'; stderr: {child.Stderr}");
        Assert.Equal("ok", parts[2]);
        return long.Parse(parts[1]);
    }

    private bool Dump(Child child, int kill)
    {
        output.WriteLine($"kill {kill}: child stderr: {child.Stderr}");
        return false;
    }

    /// <summary>One run of the crash writer, its output read as it comes.</summary>
    private sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly System.Text.StringBuilder _stderr = new();

        public Child(string path)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AkkaRaft.Persistence.CrashWriter.dll"));
            start.ArgumentList.Add(path);
            _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the crash writer");
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) _lines.Writer.TryComplete();
                else _lines.Writer.TryWrite(e.Data);
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                lock (_stderr) _stderr.AppendLine(e.Data);
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Stderr
        {
            get
            {
                lock (_stderr) return _stderr.ToString();
            }
        }

        public async Task<string> NextLine(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                return await _lines.Reader.ReadAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"the crash writer said nothing for {timeout.TotalSeconds} s; stderr: {Stderr}");
            }
            catch (ChannelClosedException)
            {
                throw new Xunit.Sdk.XunitException($"the crash writer exited with {_process.ExitCode}; stderr: {Stderr}");
            }
        }

        /// <summary>SIGKILL: no shutdown code runs in the child.</summary>
        public void Kill()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public IAsyncEnumerable<string> RemainingLines() => _lines.Reader.ReadAllAsync();

        public void Dispose()
        {
            Kill();
            _process.Dispose();
        }
    }
}
