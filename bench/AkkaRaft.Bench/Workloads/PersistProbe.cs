using System.Diagnostics;
using Akka.Configuration;
using Akka.Persistence;

namespace AkkaRaft.Bench;

/// <summary>
/// The --storage row of the journal plugin: one persistent actor persisting a 64-byte event at a time through the
/// RocksDB journal, timed from <c>PersistAsync</c> to its handler, the path a peer's append takes (the journal's actor,
/// a writer thread, the thread pool, Akka.Persistence's resequencer), configured as the bench's peers are, in an
/// ActorSystem of its own with nothing else running.
/// </summary>
internal static class PersistProbe
{
    public static LatencySummary Measure(string directory, int writes, int warmup, int recordBytes)
    {
        var config = ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(BenchCluster.RocksDbConfig(directory));
        var system = ActorSystem.Create("persist-probe", config);
        try
        {
            var done = new TaskCompletionSource<LatencySummary>(TaskCreationOptions.RunContinuationsAsynchronously);
            system.ActorOf(Props.Create(() => new Writer(writes, warmup, new byte[recordBytes], done)));
            return done.Task.WaitAsync(TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Persists <c>warmup</c> events unmeasured, then <c>writes</c> measured, each after the previous one's handler.</summary>
    private sealed class Writer : ReceivePersistentActor
    {
        private readonly LatencyRecorder _recorder = new();
        private long _windowStart;

        public override string PersistenceId => "persist-probe";

        public Writer(int writes, int warmup, byte[] record, TaskCompletionSource<LatencySummary> done)
        {
            Command<int>(i =>
            {
                if (i == warmup) _windowStart = Stopwatch.GetTimestamp();
                var started = Stopwatch.GetTimestamp();
                PersistAsync(record, _ =>
                {
                    if (i >= warmup) _recorder.Add(Stopwatch.GetTimestamp() - started);
                    if (i + 1 < warmup + writes) Self.Tell(i + 1);
                    else done.TrySetResult(_recorder.Summarize(Stopwatch.GetElapsedTime(_windowStart)));
                });
            });
        }

        protected override void PreStart() => Self.Tell(0);
    }
}
