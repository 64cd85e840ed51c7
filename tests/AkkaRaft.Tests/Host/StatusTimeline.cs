using System.Diagnostics;
using AkkaRaft.Actors;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// Every node's role, term and leader as its <c>status</c> reports them, asked every <see cref="Interval"/> from the
/// moment the timeline starts until it is disposed. A test marks its events on <see cref="Now"/> and asks afterwards
/// what each node said between two marks ("did the old leader step down within two election timeouts of the cut?").
/// A node that does not answer within a poll leaves a gap, never a sample.
/// </summary>
internal sealed class StatusTimeline : IAsyncDisposable
{
    /// <summary>How often every node is asked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>One answer: when it arrived on the timeline's clock, and what the node said.</summary>
    public sealed record Sample(TimeSpan At, RaftState State);

    private readonly HostCluster _cluster;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Sample> _samples = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;

    private StatusTimeline(HostCluster cluster)
    {
        _cluster = cluster;
        _polling = Task.Run(Poll);
    }

    /// <summary>Starts asking every node of <paramref name="cluster"/>.</summary>
    public static StatusTimeline Start(HostCluster cluster) => new(cluster);

    /// <summary>Time since the timeline started, the clock of every <see cref="Sample"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>What node <paramref name="id"/> said from <paramref name="from"/> on (to <paramref name="to"/>, if given), oldest first.</summary>
    public IReadOnlyList<Sample> Of(string id, TimeSpan from = default, TimeSpan? to = null)
    {
        lock (_samples)
            return _samples.Where(s => s.State.PeerId == id && s.At >= from && (to is null || s.At <= to)).OrderBy(s => s.At).ToArray();
    }

    /// <summary>The first sample of node <paramref name="id"/> from <paramref name="from"/> on that satisfies <paramref name="condition"/>, if any.</summary>
    public Sample? First(string id, TimeSpan from, Func<RaftState, bool> condition) => Of(id, from).FirstOrDefault(s => condition(s.State));

    /// <summary>Node <paramref name="id"/>'s changes of role, term or leader from <paramref name="from"/> on, one per line, for a test's output.</summary>
    public string Changes(string id, TimeSpan from = default)
    {
        var lines = new List<string>();
        (RaftRole, long, string?)? last = null;
        foreach (var sample in Of(id, from))
        {
            var view = (sample.State.Role, sample.State.Term, sample.State.LeaderId);
            if (view == last) continue;
            last = view;
            lines.Add($"  {sample.At.TotalSeconds,7:F2} s {id} {sample.State.Role.ToString().ToLowerInvariant()} term {sample.State.Term} leader {sample.State.LeaderId ?? "-"} commit {sample.State.CommitIndex}");
        }
        return string.Join("\n", lines);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        _stop.Dispose();
    }

    private async Task Poll()
    {
        while (!_stop.IsCancellationRequested)
        {
            var next = Task.Delay(Interval);
            // Each answer is stamped when it arrives, so a slow node does not blur the others' moments.
            await Task.WhenAll(_cluster.Ids.Select(async id =>
            {
                if (await _cluster.State(id) is not { } state) return;
                lock (_samples) _samples.Add(new Sample(_clock.Elapsed, state));
            }));
            await next;
        }
    }
}
