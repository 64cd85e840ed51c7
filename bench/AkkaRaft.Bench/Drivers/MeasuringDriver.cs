using System.Diagnostics;

namespace AkkaRaft.Bench;

/// <summary>
/// What every load-generating actor shares: a measured window opened by <see cref="BeginMeasurement"/> and closed by
/// <see cref="EndMeasurement"/> (answered with the <see cref="Measurement"/>), one <see cref="LatencyRecorder"/>, and
/// the first failure, which stops the load and fails the row.
/// </summary>
internal abstract class MeasuringDriver : ReceiveActor
{
    private readonly LatencyRecorder _latencies = new();
    private bool _measuring;
    private long _measureStart;
    private GcCounters _gcAtStart;
    private string? _failure;

    protected MeasuringDriver()
    {
        Receive<BeginMeasurement>(_ =>
        {
            _latencies.Clear();
            _measuring = true;
            _gcAtStart = GcCounters.Now();
            _measureStart = Stopwatch.GetTimestamp();
        });
        Receive<EndMeasurement>(_ =>
        {
            var elapsed = Stopwatch.GetElapsedTime(_measureStart);
            var gc = GcCounters.Now() - _gcAtStart;
            _measuring = false;
            Stopped = true; // outstanding requests are still answered; nothing new is sent
            Sender.Tell(new Measurement(_latencies.Summarize(elapsed), elapsed, gc, _failure));
        });
    }

    /// <summary>True once the window has closed or a failure has stopped the load: send nothing new.</summary>
    protected bool Stopped { get; set; } = true;

    /// <summary>Starts (or resumes) the load for a new row: clears the last row's failure.</summary>
    protected void Resume()
    {
        _failure = null;
        Stopped = false;
    }

    /// <summary>One operation completed at <paramref name="now"/>, sent at <paramref name="sentAt"/> (<see cref="Stopwatch"/> timestamps).</summary>
    protected void Record(long sentAt, long now)
    {
        if (_measuring) _latencies.Add(now - sentAt);
    }

    /// <summary>Keeps the first reason and stops the load: the row's numbers would no longer be about the steady state.</summary>
    protected void Fail(string reason)
    {
        _failure ??= reason;
        Stopped = true;
    }
}

/// <summary>Warm-up is over: record from now on.</summary>
internal sealed class BeginMeasurement
{
    public static readonly BeginMeasurement Instance = new();
    private BeginMeasurement() { }
}

/// <summary>Stop sending and answer with the <see cref="Measurement"/>.</summary>
internal sealed class EndMeasurement
{
    public static readonly EndMeasurement Instance = new();
    private EndMeasurement() { }
}

/// <summary>What one measured window held: the operations' latencies, its length, the collector's work, and the first failure.</summary>
internal sealed record Measurement(LatencySummary Latency, TimeSpan Elapsed, GcCounters Gc, string? Failure)
{
    /// <summary>How long the load ran before the window opened (<see cref="WarmUp.UntilJitQuiet"/>).</summary>
    public TimeSpan WarmedUp { get; init; }
}
