using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Akka.Persistence;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Bench;

/// <summary>
/// --election-probe N: N failover trials exactly like <see cref="FailoverWorkload"/>'s AkkaRaft ones (three SQLite peers over
/// Akka.Remote, 1 s of light load, the leader's ActorSystem terminated), recording every peer's role changes with a timestamp,
/// to count terms and split votes per failover (docs/elections.md). Times single journal writes first. The split-vote
/// window of a trial is the time from the winner's candidacy (published right before it sends RequestVote) to the other
/// survivor's step-down to that term (published once that is durable): one Akka.Remote hop and one journal write, as the
/// window is. Two survivors whose timeouts, both U(min, max) from the dead leader's last message, fall within it split the vote,
/// with probability 2W/R - (W/R)^2 for R = max - min; the summary compares that, averaged over the trials' windows, with the rate.
/// </summary>
internal static class ElectionProbe
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private static double Now => Clock.Elapsed.TotalMilliseconds;

    /// <summary>An EventStream subscriber that timestamps each role change as it is published, with no mailbox in between.</summary>
    private sealed class Recorder(ActorPath path, IActorRefProvider provider) : MinimalActorRef
    {
        public readonly List<(double T, RaftRoleChanged C)> Events = new();
        public override ActorPath Path { get; } = path;
        public override IActorRefProvider Provider { get; } = provider;
        protected override void TellInternal(object message, IActorRef sender)
        {
            if (message is RaftRoleChanged c) lock (Events) Events.Add((Now, c));
        }
    }

    public static async Task<int> Run(int trials, int writes)
    {
        await MeasurePersist(writes);
        int splits = 0, extraTermTrials = 0;
        var windows = new List<double>();
        var failovers = new List<double>();
        var termsPer = new List<long>();
        for (var i = 0; i < trials; i++)
        {
            var (ms, log, oldTerm, leader) = await Trial();
            failovers.Add(ms);
            var after = log.Where(e => e.C.Term > oldTerm).OrderBy(e => e.T).ToList();
            var cands = after.Where(e => e.C.Role == RaftRole.Candidate).ToList();
            var leaders = after.Where(e => e.C.Role == RaftRole.Leader).ToList();
            var newLeader = leaders.FirstOrDefault();
            var terms = newLeader.C is null ? -1 : newLeader.C.Term - oldTerm;
            termsPer.Add(terms);
            var splitTerms = cands.GroupBy(e => e.C.Term).Where(g => g.Select(e => e.C.PeerId).Distinct().Count() > 1).Select(g => g.Key).ToList();
            if (splitTerms.Count > 0) splits++;
            if (terms > 1) extraTermTrials++;
            // window: winning candidate's publish (just before it sends RequestVote) -> the other's follower@term publish (its step-down persisted)
            double? win = null;
            if (newLeader.C is not null)
            {
                var c = cands.LastOrDefault(e => e.C.PeerId == newLeader.C.PeerId && e.C.Term == newLeader.C.Term);
                var other = after.FirstOrDefault(e => e.C.PeerId != newLeader.C.PeerId && e.C.Term == newLeader.C.Term && e.C.Role == RaftRole.Follower);
                if (c.C is not null && other.C is not null && other.T >= c.T) { win = other.T - c.T; windows.Add(win.Value); }
            }
            var t0 = log.First(e => e.C.Term == oldTerm && e.C.Role == RaftRole.Leader).T;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trial {i + 1}: failover {ms:F0} ms, old term {oldTerm} ({leader}), new leader {newLeader.C?.PeerId} at term {newLeader.C?.Term} (+{terms}); " +
                $"candidacies: {string.Join(", ", cands.Select(e => $"{e.C.PeerId}@{e.C.Term} +{e.T - KilledAt:F1}ms"))}" +
                $"{(splitTerms.Count > 0 ? $"; SPLIT at {string.Join(",", splitTerms)}" : "")}{(win is null ? "" : $"; RV->stepdown {win:F1} ms")}"));
        }
        var range = BenchCluster.DefaultSettings().ElectionTimeoutMax.TotalMilliseconds - BenchCluster.DefaultSettings().ElectionTimeoutMin.TotalMilliseconds;
        var predicted = windows.Count == 0 ? double.NaN : windows.Average(w => 2 * w / range - (w / range) * (w / range));
        windows.Sort();
        failovers.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SUMMARY trials {trials}: split-vote trials {splits}, trials needing >1 term {extraTermTrials}, terms per failover mean {termsPer.Average():F2} (dist {string.Join(" ", termsPer.GroupBy(t => t).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Count()}"))}); " +
            $"failover median {failovers[failovers.Count / 2]:F0} ms; window (RV->stepdown) mean {(windows.Count > 0 ? windows.Average() : double.NaN):F1} p50 {P(windows, 0.5):F1} p90 {P(windows, 0.9):F1} max {(windows.Count > 0 ? windows[^1] : 0):F1} ms (n={windows.Count}); " +
            $"predicted split-vote rate for timeouts over {range:F0} ms: {100 * predicted:F1}%, observed {100.0 * splits / trials:F1}%"));
        return 0;
    }

    private static double P(List<double> s, double q) => s.Count == 0 ? double.NaN : s[Math.Min(s.Count - 1, (int)(q * s.Count))];

    /// <summary>When the current trial killed its leader, on <see cref="Clock"/>.</summary>
    private static double KilledAt;

    private static async Task<(double Ms, List<(double T, RaftRoleChanged C)> Log, long OldTerm, string Leader)> Trial()
    {
        var applied = new Dictionary<(string, long), long>();
        var waiters = new Dictionary<(string, long), TaskCompletionSource<long>>();
        await using var cluster = BenchCluster.Start("remote", system => system.ActorOf(Props.Create(() => new Sink(applied, waiters))),
            "akka.loglevel = OFF\nakka.stdout-loglevel = OFF");
        var recorders = new List<Recorder>();
        foreach (var id in cluster.LivePeers.ToArray())
        {
            var sys = (ExtendedActorSystem)cluster.PeerSystem(id);
            var r = new Recorder(new RootActorPath(sys.Provider.DefaultAddress) / "temp" / ("rec-" + id), sys.Provider);
            sys.EventStream.Subscribe(r, typeof(RaftRoleChanged));
            recorders.Add(r);
        }
        var leader = await cluster.WaitForLeader(TimeSpan.FromSeconds(15));
        var seq = 0L;
        async Task<bool> TryCommit(string id)
        {
            object reply;
            try { reply = await cluster.Peer(id).Ask<object>(new Propose(Cmd(++seq)), TimeSpan.FromMilliseconds(500)); }
            catch (AskTimeoutException) { return false; }
            if (reply is not ProposeAccepted a) return false;
            Task<long> w;
            lock (applied)
            {
                if (applied.TryGetValue((id, a.Index), out var t)) w = Task.FromResult(t);
                else
                {
                    if (!waiters.TryGetValue((id, a.Index), out var tcs)) waiters[(id, a.Index)] = tcs = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                    w = tcs.Task;
                }
            }
            return await Task.WhenAny(w, Task.Delay(2000)) == w && w.Result == a.Term;
        }
        for (var until = Now + 1000; Now < until; await Task.Delay(10))
            if (!await TryCommit(leader.PeerId)) throw new InvalidOperationException("no commit before kill");
        KilledAt = Now;
        var killing = cluster.Kill(leader.PeerId);
        double ms = double.NaN;
        try
        {
            while (Now - KilledAt < 30000)
            {
                var ok = false;
                foreach (var id in cluster.LivePeers.Where(i => i != leader.PeerId).ToArray())
                    if (await TryCommit(id)) { ok = true; break; }
                if (ok) { ms = Now - KilledAt; break; }
                await Task.Delay(1);
            }
        }
        finally { await killing; }
        await Task.Delay(700); // let a later term, if any, show
        var log = recorders.SelectMany(r => { lock (r.Events) return r.Events.ToList(); }).OrderBy(e => e.T).ToList();
        return (ms, log, leader.Term, leader.PeerId);
    }

    private static byte[] Cmd(long s) { var c = new byte[64]; BinaryPrimitives.WriteInt64LittleEndian(c, s); return c; }

    private sealed class Sink : ReceiveActor
    {
        public Sink(Dictionary<(string, long), long> applied, Dictionary<(string, long), TaskCompletionSource<long>> waiters) =>
            Receive<Applied>(a =>
            {
                TaskCompletionSource<long>? w;
                lock (applied) { applied[(a.PeerId, a.Index)] = a.Term; waiters.Remove((a.PeerId, a.Index), out w); }
                w?.TrySetResult(a.Term);
            });
    }

    // ---- one journal write, as a vote's: the bench's SQLite journal (WAL), one small event at a time ----

    private static async Task MeasurePersist(int writes)
    {
        var dir = Directory.CreateTempSubdirectory("elect-probe-").FullName;
        var system = ActorSystem.Create("probe", BenchCluster.SqliteConfig(Path.Combine(dir, "p.db")).WithFallback(Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = WARNING")));
        var actor = system.ActorOf(Props.Create(() => new Writer()));
        var lat = new List<double>();
        for (var i = 0; i < writes + 20; i++)
        {
            var t = Now;
            await actor.Ask<string>("w" + i, TimeSpan.FromSeconds(10));
            if (i >= 20) lat.Add(Now - t);
        }
        await system.Terminate();
        Directory.Delete(dir, true);
        lat.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"PERSIST {writes} sequential persists of one small event (SQLite journal, WAL), ask round trip: p10 {P(lat, 0.1):F2} p50 {P(lat, 0.5):F2} p90 {P(lat, 0.9):F2} p99 {P(lat, 0.99):F2} mean {lat.Average():F2} ms"));
    }

    private sealed class Writer : ReceivePersistentActor
    {
        public override string PersistenceId => "probe";
        public Writer()
        {
            Command<string>(s => { var from = Sender; Persist(s, _ => from.Tell("ok")); });
            Recover<string>(_ => { });
        }
    }
}
