using System.Diagnostics;
using Akka.TestKit.Xunit2;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.TestKit;
using AkkaRaft.Tests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Lab;

/// <summary>
/// Raft §7: with the state machine snapshotting every <see cref="Threshold"/> applied entries, what a peer holds (log
/// entries in memory, events in its journal) and what a restart replays stay within a small multiple of the threshold,
/// however many commands the group has committed. The journal is read through the plugin itself, not the peer's word.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class SnapshotStorageTests : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>The state machine snapshots after every index divisible by this.</summary>
    private const int Threshold = 100;

    /// <summary>Entries in memory, events or entries in the journal, and events replayed must stay below this.</summary>
    private const int Bound = 3 * Threshold;

    private const int Servers = 3;
    private const int Commands = 10_000;

    /// <summary>Commands offered to the leader concurrently before waiting for every peer to apply them.</summary>
    private const int Batch = 200;

    /// <summary>Commands committed while a peer is down: more than the threshold, so it catches up by InstallSnapshot.</summary>
    private const int WhileDown = 150;

    /// <summary>Commands committed just before a peer is crashed, after its last snapshot: what its restart replays.</summary>
    private const int BeforeCrash = 70;

    private readonly ITestOutputHelper _output;
    private int _nextValue;

    public SnapshotStorageTests(ITestOutputHelper output) : base(HarnessConfig.RealTime, output: output) => _output = output;

    [Fact]
    public async Task Memory_journal_and_replay_stay_bounded_by_the_snapshot_threshold()
    {
        var elapsed = Stopwatch.StartNew();
        using var cfg = new RaftCluster(Sys, Servers, snapshotEvery: Threshold);
        var probe = CreateTestProbe();

        // Samples every running peer's in-memory log and journal all along, so the bound holds while batches are in
        // flight too, not only at rest.
        var maxInMemory = new long[Servers];
        var maxEvents = new long[Servers];
        var maxEntries = new long[Servers];
        var maxEntriesAt = new RaftState?[Servers];
        var samples = 0;
        var samplerProbe = CreateTestProbe();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < Servers; i++)
                {
                    if (await cfg.GetState(i) is not { } s) continue;
                    maxInMemory[i] = Math.Max(maxInMemory[i], s.LastLogIndex - s.SnapshotIndex);
                    var journal = await StoredState.Journal(Sys, samplerProbe, cfg, i);
                    maxEvents[i] = Math.Max(maxEvents[i], journal.Events);
                    if (journal.Entries > maxEntries[i])
                    {
                        maxEntries[i] = journal.Entries;
                        maxEntriesAt[i] = s;
                    }
                }
                samples++;
                await Task.Delay(5);
            }
        });

        long last = 0;
        for (var committed = 0; committed < Commands; committed += Batch)
        {
            last = await CommitAll(cfg, Math.Min(Batch, Commands - committed), Servers);
            await AwaitBounded(cfg, probe, Enumerable.Range(0, Servers));
        }
        _output.WriteLine($"{Commands} commands committed up to index {last} in {elapsed.Elapsed.TotalSeconds:F1} s");

        // A restart replays only what follows the snapshot, and the peer catches up (by InstallSnapshot: the others
        // compact past what it holds while it is down). Commands committed after the last snapshot and before the crash
        // leave the victim something to replay.
        for (var victim = 0; victim < Servers; victim++)
        {
            await CommitAll(cfg, BeforeCrash, Servers);
            await AwaitBounded(cfg, probe, Enumerable.Range(0, Servers));
            await cfg.Crash(victim);
            last = await CommitAll(cfg, WhileDown, Servers - 1);
            await AwaitBounded(cfg, probe, Enumerable.Range(0, Servers).Where(i => i != victim));

            var journal = await StoredState.Journal(Sys, probe, cfg, victim);
            var stored = await StoredState.SnapshotIndex(Sys, probe, cfg, victim);
            Bounded(victim, "journal events to replay", journal.Events);
            Bounded(victim, "journal entries to replay", journal.Entries);

            var recovery = Stopwatch.StartNew();
            cfg.Start(victim); // not connected yet: what it reports is what it recovered
            var recovered = await cfg.GetState(victim) ?? throw new XunitException($"{RaftCluster.Id(victim)} did not answer after its restart");
            var recoveredIn = recovery.Elapsed;
            if (recovered.SnapshotIndex != stored)
                throw new XunitException($"{RaftCluster.Id(victim)} recovered a snapshot up to {recovered.SnapshotIndex}, but its newest stored snapshot ends at {stored}");
            if (recovered.SnapshotIndex < Commands - Bound)
                throw new XunitException($"{RaftCluster.Id(victim)} recovered a snapshot up to only {recovered.SnapshotIndex}");
            Bounded(victim, "entries in memory after recovery", recovered.LastLogIndex - recovered.SnapshotIndex);

            cfg.Connect(victim);
            var leader = await cfg.CheckOneLeader();
            var target = (await cfg.GetState(leader))!.CommitIndex;
            await AwaitAssertAsync(async () =>
            {
                var s = await cfg.GetState(victim);
                if (s is null || s.LastApplied < target || cfg.NCommitted(last).Count < Servers)
                    throw new XunitException($"{RaftCluster.Id(victim)} applied {s?.LastApplied} of {target}");
            }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10));
            _output.WriteLine($"{RaftCluster.Id(victim)} restarted: replayed {journal.Events} events holding {journal.Entries} entries "
                + $"after a snapshot up to {stored}; {recovered.LastLogIndex - recovered.SnapshotIndex} entries in memory; "
                + $"back in {recoveredIn.TotalMilliseconds:F0} ms, caught up to {target} in {recovery.Elapsed.TotalMilliseconds:F0} ms");
        }

        last = await CommitAll(cfg, 1, Servers);
        var final = await AwaitBounded(cfg, probe, Enumerable.Range(0, Servers));

        stop.Cancel();
        await sampler;
        _output.WriteLine($"{samples} samples of every peer's memory and journal");
        for (var i = 0; i < Servers; i++)
        {
            _output.WriteLine($"{RaftCluster.Id(i)}: at most {maxInMemory[i]} entries in memory, {maxEvents[i]} journal events, {maxEntries[i]} journal entries "
                + $"(when it was {maxEntriesAt[i]}); at the end {final[i].Entries} entries in {final[i].Events} journal events");
        }
        for (var i = 0; i < Servers; i++)
        {
            Bounded(i, "entries in memory (largest sampled)", maxInMemory[i]);
            Bounded(i, "journal events (largest sampled)", maxEvents[i]);
            Bounded(i, "journal entries (largest sampled)", maxEntries[i]);
        }
        cfg.ThrowIfApplyErrors();
        _output.WriteLine($"done at index {last} in {elapsed.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>
    /// Offers <paramref name="count"/> new commands to the leader at once and waits until <paramref name="expectedServers"/>
    /// peers applied every one; returns the highest index. Offers again only what a change of leader lost.
    /// </summary>
    private async Task<long> CommitAll(RaftCluster cfg, int count, int expectedServers)
    {
        var remaining = Enumerable.Range(0, count).Select(_ => ++_nextValue).ToList();
        long last = 0;
        for (var attempt = 1; remaining.Count > 0; attempt++)
        {
            if (attempt > 3) throw new XunitException($"{remaining.Count} commands still not committed after 3 leaders");
            var leader = await cfg.CheckOneLeader();
            var answers = await Task.WhenAll(remaining.Select(v => cfg.Propose(leader, RaftCluster.Cmd(v))));
            var accepted = remaining.Zip(answers, (value, answer) => (Value: value, Answer: answer as ProposeAccepted))
                .Where(a => a.Answer is not null).Select(a => (a.Value, a.Answer!.Index, a.Answer.Term)).ToList();
            if (accepted.Count > 0)
            {
                var top = accepted.Max(a => a.Index);
                var term = accepted.Min(a => a.Term);
                if (!await WaitApplied(cfg, top, expectedServers, term))
                    _output.WriteLine($"leader {RaftCluster.Id(leader)} lost term {term} before index {top} committed");
                last = Math.Max(last, top);
            }
            var done = accepted.Where(a => cfg.NCommitted(a.Index) is { Count: var n, Command: { } c } && n >= expectedServers
                && c.AsSpan().SequenceEqual(RaftCluster.Cmd(a.Value))).Select(a => a.Value).ToHashSet();
            remaining.RemoveAll(done.Contains);
            if (remaining.Count > 0) _output.WriteLine($"offering {remaining.Count} commands again (attempt {attempt + 1})");
        }
        return last;
    }

    /// <summary>
    /// Waits until <paramref name="n"/> peers applied <paramref name="index"/>. False when a peer moved past
    /// <paramref name="term"/> first (that leader's entries may be lost); fails when nothing moves for 10 s.
    /// </summary>
    private static async Task<bool> WaitApplied(RaftCluster cfg, long index, int n, long term)
    {
        var deadline = Stopwatch.StartNew();
        var lastTermCheck = TimeSpan.Zero;
        while (cfg.NCommitted(index).Count < n)
        {
            if (deadline.Elapsed - lastTermCheck > TimeSpan.FromMilliseconds(200))
            {
                lastTermCheck = deadline.Elapsed;
                var states = await Task.WhenAll(Enumerable.Range(0, cfg.N).Select(cfg.GetState));
                if (states.Any(s => s is not null && s.Term > term)) return false;
            }
            if (deadline.Elapsed > TimeSpan.FromSeconds(10))
                throw new XunitException($"only {cfg.NCommitted(index).Count} peers applied index {index} within 10 s; wanted {n}");
            await Task.Delay(2);
        }
        return true;
    }

    /// <summary>
    /// Waits (journal deletion after a snapshot is asynchronous) until every given peer has taken the snapshot its state
    /// machine asked for, its journal holds no event that snapshot covers, and it holds, in memory and in its journal,
    /// less than the bound. Returns what each journal holds. Between two such points a peer gains at most one batch, so
    /// the sampled bounds hold however late a deletion is.
    /// </summary>
    private async Task<JournalContents[]> AwaitBounded(RaftCluster cfg, Akka.TestKit.TestProbe probe, IEnumerable<int> peers)
    {
        var journals = new JournalContents[cfg.N];
        await AwaitAssertAsync(async () =>
        {
            foreach (var i in peers)
            {
                var s = await cfg.GetState(i) ?? throw new XunitException($"{RaftCluster.Id(i)} did not answer GetState");
                var requested = s.LastApplied - s.LastApplied % Threshold;
                if (s.SnapshotIndex < requested)
                    throw new XunitException($"{RaftCluster.Id(i)} applied {s.LastApplied} but has a snapshot only up to {s.SnapshotIndex}");
                Bounded(i, "entries in memory", s.LastLogIndex - s.SnapshotIndex);
                journals[i] = await StoredState.Journal(Sys, probe, cfg, i);
                if (journals[i].LowestIndex <= s.SnapshotIndex)
                    throw new XunitException($"{RaftCluster.Id(i)}'s journal still holds index {journals[i].LowestIndex}, which its snapshot up to {s.SnapshotIndex} covers");
                Bounded(i, "journal events", journals[i].Events);
                Bounded(i, "journal entries", journals[i].Entries);
            }
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10));
        return journals;
    }

    private static void Bounded(int peer, string what, long value)
    {
        if (value >= Bound) throw new XunitException($"{RaftCluster.Id(peer)} holds {value} {what}, not below {Bound} (3 × the snapshot threshold {Threshold})");
    }
}
