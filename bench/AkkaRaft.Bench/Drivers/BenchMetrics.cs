using System.Diagnostics.Metrics;
using AkkaRaft.Actors;

namespace AkkaRaft.Bench;

/// <summary>
/// --metrics: a <see cref="MeterListener"/> on every instrument of the AkkaRaft meter, counting what it hears, with the
/// observable gauges collected every second as a scraping exporter would. Disposing it stops listening and prints the
/// count, so a run shows that the instruments were live while it measured.
/// </summary>
internal sealed class BenchMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Timer _collect;
    private long _measurements;

    private BenchMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == RaftMetrics.MeterName) listener.EnableMeasurementEvents(instrument, this);
        };
        _listener.SetMeasurementEventCallback<long>((_, _, _, state) => Interlocked.Increment(ref ((BenchMetrics)state!)._measurements));
        _listener.SetMeasurementEventCallback<double>((_, _, _, state) => Interlocked.Increment(ref ((BenchMetrics)state!)._measurements));
        _listener.Start();
        _collect = new Timer(_ => _listener.RecordObservableInstruments(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public static BenchMetrics Listen()
    {
        Console.WriteLine($"metrics: listening to every instrument of the {RaftMetrics.MeterName} meter, gauges collected every second");
        return new BenchMetrics();
    }

    public void Dispose()
    {
        _collect.Dispose();
        _listener.Dispose();
        Console.WriteLine($"metrics: {Interlocked.Read(ref _measurements):N0} measurements heard");
    }
}
