using System.Buffers.Binary;
using System.Diagnostics;
using DotNext.Net.Cluster.Consensus.Raft;

namespace AkkaRaft.Bench;

/// <summary>
/// dotNext's closed-loop proposers, its counterpart of <see cref="ProposerDriver"/>: each is a task that calls
/// <see cref="RaftCluster.ReplicateAsync{TEntry}"/> on the leader, which returns once the entry is committed and applied on
/// the leader, and then proposes its next. The first failure stops every proposer and fails the row.
/// </summary>
internal sealed class DotNextDriver
{
    private readonly RaftCluster _leader;
    private readonly int _commandBytes;
    private readonly CancellationTokenSource _abort = new();
    private long _sequence;
    private volatile int _phase; // 0 warm-up, 1 measuring, 2 stopped
    private string? _failure;

    public DotNextDriver(RaftCluster leader, int commandBytes)
    {
        _leader = leader;
        _commandBytes = commandBytes;
    }

    /// <summary>Runs <paramref name="proposers"/> proposers through the warm-up and the measured window; returns what the window held.</summary>
    public async Task<Measurement> Measure(int proposers, TimeSpan warmup, TimeSpan warmupMax, TimeSpan duration)
    {
        var recorders = Enumerable.Range(0, proposers).Select(_ => new LatencyRecorder()).ToArray();
        var tasks = recorders.Select(r => Task.Run(() => Propose(r))).ToArray();
        var warmedUp = await WarmUp.UntilJitQuiet(warmup, warmupMax);
        var gcAtStart = GcCounters.Now();
        var start = Stopwatch.GetTimestamp();
        _phase = 1;
        await Task.Delay(duration);
        _phase = 2;
        var elapsed = Stopwatch.GetElapsedTime(start);
        var gc = GcCounters.Now() - gcAtStart;
        // Outstanding commands still commit; a recorder is read only once its proposer has stopped.
        var proposing = Task.WhenAll(tasks); // never faults: a proposer keeps its failure and returns
        if (await Task.WhenAny(proposing, Task.Delay(TimeSpan.FromSeconds(30))) != proposing)
        {
            Interlocked.CompareExchange(ref _failure, "outstanding commands did not complete within 30 s of the window's end", null);
            _abort.Cancel();
            await proposing;
        }
        var all = new LatencyRecorder();
        foreach (var r in recorders) all.Add(r);
        return new Measurement(all.Summarize(elapsed), elapsed, gc, _failure) { WarmedUp = warmedUp };
    }

    private async Task Propose(LatencyRecorder recorder)
    {
        while (_phase < 2 && Volatile.Read(ref _failure) is null)
        {
            // A fresh command each time, as a real client's would be.
            var command = new byte[_commandBytes];
            BinaryPrimitives.WriteInt64LittleEndian(command, Interlocked.Increment(ref _sequence));
            var sentAt = Stopwatch.GetTimestamp();
            try
            {
                await _leader.ReplicateAsync(new BinaryLogEntry { Content = command, Term = _leader.Term }, _abort.Token);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, $"ReplicateAsync failed: {e.GetType().Name}: {e.Message}", null);
                return;
            }
            var now = Stopwatch.GetTimestamp();
            if (_phase == 1) recorder.Add(now - sentAt);
        }
    }
}
