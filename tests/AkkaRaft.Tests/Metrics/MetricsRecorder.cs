using System.Diagnostics.Metrics;
using AkkaRaft.Actors;

namespace AkkaRaft.Tests.Metrics;

/// <summary>
/// Listens to the AkkaRaft meter and keeps the measurements of one Raft group. A <see cref="MeterListener"/> hears every
/// measurement of the process, and tests run in parallel: filtering on the group's cluster id (unique per test cluster)
/// keeps other tests' peers out.
/// </summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _group;
    private readonly object _gate = new();
    private readonly List<Recorded> _recorded = new();

    public MetricsRecorder(string group)
    {
        _group = group;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == RaftMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>One measurement: the instrument's name, its value and its tags.</summary>
    public sealed record Recorded(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
    {
        public string? Tag(string key) => Tags.TryGetValue(key, out var value) ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Every measurement of <paramref name="instrument"/> so far.</summary>
    public IReadOnlyList<Recorded> Of(string instrument)
    {
        lock (_gate) return _recorded.Where(r => r.Instrument == instrument).ToList();
    }

    /// <summary>The sum of <paramref name="instrument"/>'s measurements recorded by <paramref name="node"/> (a counter's total).</summary>
    public double Total(string instrument, string node, Func<Recorded, bool>? where = null) =>
        Of(instrument).Where(r => r.Tag(RaftMetrics.NodeTag) == node && (where is null || where(r))).Sum(r => r.Value);

    /// <summary>Collects the observable gauges now and returns each node's value of <paramref name="instrument"/>.</summary>
    public IReadOnlyDictionary<string, double> Gauge(string instrument) =>
        Observe(instrument).ToDictionary(r => r.Tag(RaftMetrics.NodeTag)!, r => r.Value);

    /// <summary>Collects the observable gauges now and returns the measurements of <paramref name="instrument"/>.</summary>
    public IReadOnlyList<Recorded> Observe(string instrument)
    {
        lock (_gate) _recorded.RemoveAll(r => r.Instrument == instrument);
        _listener.RecordObservableInstruments();
        return Of(instrument);
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags) dictionary[key] = tagValue;
        if (!dictionary.TryGetValue(RaftMetrics.GroupTag, out var group) || !Equals(group, _group)) return;
        lock (_gate) _recorded.Add(new Recorded(instrument.Name, value, dictionary));
    }

    public void Dispose() => _listener.Dispose();
}
