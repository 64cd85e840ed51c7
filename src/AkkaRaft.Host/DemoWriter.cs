using System.Diagnostics;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Host;

/// <summary>One write of the demo: the token it appended, when it was called and returned, and whether it was acknowledged.</summary>
internal sealed record DemoWrite(int Number, TimeSpan Called, TimeSpan Returned, bool Acknowledged)
{
    public string Token => TokenOf(Number);

    public static string TokenOf(int number) => $"w{number}";
}

/// <summary>
/// The demo's load: one client appends a unique token ("w1 ", "w2 ", ...) to one key, one write at a time with a short
/// pause between writes, and records each outcome, until it is stopped.
/// </summary>
internal sealed class DemoWriter
{
    public const string Key = "demo";
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);
    private readonly KvClient _client;
    private readonly Stopwatch _clock;
    private readonly List<DemoWrite> _writes = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    public DemoWriter(KvClient client, Stopwatch clock)
    {
        _client = client;
        _clock = clock;
    }

    /// <summary>Every write that has returned, in order.</summary>
    public IReadOnlyList<DemoWrite> Writes
    {
        get
        {
            lock (_writes) return _writes.ToArray();
        }
    }

    public int Acknowledged => Writes.Count(w => w.Acknowledged);

    public void Start(CancellationToken interrupt) => _running = Task.Run(() => Loop(interrupt));

    private async Task Loop(CancellationToken interrupt)
    {
        for (var number = 1; !_stop.IsCancellationRequested; number++)
        {
            var called = _clock.Elapsed;
            // A write already sent runs to its end even when the writer is stopped, so its outcome is known; only an
            // interrupt (Ctrl-C) abandons it.
            var result = await _client.AppendAsync(Key, DemoWrite.TokenOf(number) + " ", interrupt);
            lock (_writes) _writes.Add(new DemoWrite(number, called, _clock.Elapsed, result.IsOk));
            try
            {
                await Task.Delay(Pause, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Stopped during the pause.
            }
        }
    }

    /// <summary>Stops writing after the write in flight returns; rethrows what ended the writer early, if anything.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null) await _running;
    }

    /// <summary>The first write called after <paramref name="since"/> and acknowledged, if any yet.</summary>
    public DemoWrite? FirstAcknowledgedAfter(TimeSpan since) => Writes.FirstOrDefault(w => w.Acknowledged && w.Called >= since);

    /// <summary>Fails when the writer has ended early (it only ends when stopped).</summary>
    public void ThrowIfFailed()
    {
        if (_running is { IsCompleted: true } && !_stop.IsCancellationRequested) _running.GetAwaiter().GetResult();
    }
}

/// <summary>
/// What the final read of the demo's key says about the writes: every acknowledged write must be there exactly once
/// and, since the client waits for each write before the next, in the order written; a write that timed out may be
/// there (once) or not; nothing else may be.
/// </summary>
internal sealed record DemoVerdict(int Acknowledged, IReadOnlyList<string> Missing, IReadOnlyList<string> Duplicated, IReadOnlyList<string> Unexpected, bool InOrder, int TimedOutPresent, int TimedOutAbsent)
{
    public bool Passed => Acknowledged > 0 && Missing.Count == 0 && Duplicated.Count == 0 && Unexpected.Count == 0 && InOrder;

    public static DemoVerdict Check(IReadOnlyList<DemoWrite> writes, string? value)
    {
        var found = (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var counts = found.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var written = writes.ToDictionary(w => w.Token);
        var acknowledged = writes.Where(w => w.Acknowledged).ToList();
        var timedOut = writes.Where(w => !w.Acknowledged).ToList();
        var positions = found.Select((token, i) => (token, i)).GroupBy(p => p.token).ToDictionary(g => g.Key, g => g.First().i);
        var acknowledgedPositions = acknowledged.Where(w => positions.ContainsKey(w.Token)).Select(w => positions[w.Token]).ToList();
        return new DemoVerdict(
            acknowledged.Count,
            acknowledged.Where(w => !counts.ContainsKey(w.Token)).Select(w => w.Token).ToList(),
            counts.Where(c => c.Value > 1).Select(c => c.Key).ToList(),
            counts.Keys.Where(t => !written.ContainsKey(t)).ToList(),
            acknowledgedPositions.Zip(acknowledgedPositions.Skip(1), (earlier, later) => earlier < later).All(x => x),
            timedOut.Count(w => counts.ContainsKey(w.Token)),
            timedOut.Count(w => !counts.ContainsKey(w.Token)));
    }

    /// <summary>One line: what was found, or what is wrong.</summary>
    public string Describe()
    {
        var timedOut = TimedOutPresent + TimedOutAbsent == 0 ? "none timed out"
            : $"{TimedOutPresent + TimedOutAbsent} timed out (outcome unknown): {TimedOutPresent} applied, {TimedOutAbsent} not";
        if (Passed) return $"all {Acknowledged} acknowledged writes found, each once and in order; {timedOut}";
        var problems = new List<string>();
        if (Acknowledged == 0) problems.Add("no write was acknowledged");
        if (Missing.Count > 0) problems.Add($"{Missing.Count} of {Acknowledged} acknowledged writes missing ({Sample(Missing)})");
        if (Duplicated.Count > 0) problems.Add($"{Duplicated.Count} applied more than once ({Sample(Duplicated)})");
        if (Unexpected.Count > 0) problems.Add($"{Unexpected.Count} tokens never written ({Sample(Unexpected)})");
        if (!InOrder) problems.Add("acknowledged writes out of order");
        return $"FAILED: {string.Join("; ", problems)}; {timedOut}";
    }

    private static string Sample(IReadOnlyList<string> tokens) => string.Join(", ", tokens.Take(5)) + (tokens.Count > 5 ? ", ..." : "");
}
