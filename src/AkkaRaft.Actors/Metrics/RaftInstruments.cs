using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AkkaRaft.Actors.Metrics;

/// <summary>
/// The one <see cref="Meter"/> of AkkaRaft (<see cref="RaftMetrics.MeterName"/>) and its instruments, shared by every peer
/// of the process; a state machine built on the library may record through it too. Durations are in seconds, as
/// OpenTelemetry's semantic conventions ask, with bucket boundaries suggested for sub-millisecond to multi-second values.
/// </summary>
internal static class RaftInstruments
{
    // Tag keys beyond the group, node and follower of RaftMetrics.
    public const string ProposalResult = "raft.proposal.result";
    public const string ElectionPreVote = "raft.election.pre_vote";
    public const string ElectionOutcome = "raft.election.outcome";
    public const string TransferOutcome = "raft.transfer.outcome";
    public const string MembershipChange = "raft.membership.change";
    public const string MembershipResult = "raft.membership.result";

    /// <summary>Also the meter of state machines built on the library, so one listener on <see cref="RaftMetrics.MeterName"/> hears them.</summary>
    public static readonly Meter Meter = new(RaftMetrics.MeterName, typeof(RaftInstruments).Assembly.GetName().Version?.ToString());

    public static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    // ---- Gauges: read from each running peer's PeerMetrics when collected ----

    public static readonly ObservableGauge<long> Term = Meter.CreateObservableGauge("raft.term",
        () => Each(p => p.Term), "{term}", "The peer's current term.");

    public static readonly ObservableGauge<long> Role = Meter.CreateObservableGauge("raft.role",
        () => Each(p => p.Role), "{role}", "The peer's role: 0 follower, 1 candidate, 2 leader, 3 pre-candidate.");

    public static readonly ObservableGauge<long> LeaderKnown = Meter.CreateObservableGauge("raft.leader.known",
        () => Each(p => p.LeaderKnown), "{leader}", "1 when the peer knows a leader of its current term (itself included), else 0.");

    public static readonly ObservableGauge<long> LastIndex = Meter.CreateObservableGauge("raft.log.last_index",
        () => Each(p => p.LastIndex), "{entry}", "Index of the last entry in the peer's log.");

    public static readonly ObservableGauge<long> CommitIndex = Meter.CreateObservableGauge("raft.log.commit_index",
        () => Each(p => p.CommitIndex), "{entry}", "Index of the highest entry the peer knows committed.");

    public static readonly ObservableGauge<long> AppliedIndex = Meter.CreateObservableGauge("raft.log.applied_index",
        () => Each(p => p.AppliedIndex), "{entry}", "Index of the highest entry the peer handed to its state machine.");

    public static readonly ObservableGauge<long> FollowerLag = Meter.CreateObservableGauge("raft.follower.lag",
        FollowerLags, "{entry}", "On a leader, per follower: entries of the leader's log the follower is not known to hold.");

    // ---- Counters ----

    public static readonly Counter<long> LeaderChanges = Meter.CreateCounter<long>("raft.leader.changes",
        "{change}", "Times the peer learned of a new leader (another peer, or itself) for a newer term.");

    public static readonly Counter<long> Elections = Meter.CreateCounter<long>("raft.elections",
        "{election}", "Campaigns the peer ran, by pre-vote round or real election and by outcome (won, lost, timed_out, superseded).");

    public static readonly Counter<long> Proposals = Meter.CreateCounter<long>("raft.proposals",
        "{proposal}", "Commands proposed to the peer, by result (committed, dropped, not_leader, transfer_in_progress).");

    public static readonly Counter<long> HeartbeatFailures = Meter.CreateCounter<long>("raft.heartbeat.failures",
        "{heartbeat}", "On a leader: heartbeat intervals in which a follower it sent to answered nothing.");

    public static readonly Counter<long> MembershipChanges = Meter.CreateCounter<long>("raft.membership.changes",
        "{change}", "Membership changes the leader committed or refused.");

    public static readonly Counter<long> LeadershipTransfers = Meter.CreateCounter<long>("raft.leadership.transfers",
        "{transfer}", "Leadership transfers the leader attempted, by outcome.");

    // ---- Histograms ----

    public static readonly Histogram<double> ProposalCommitDuration = Meter.CreateHistogram("raft.proposal.commit.duration",
        "s", "On a leader: from accepting a proposal to committing it.", tags: null, Seconds);

    public static readonly Histogram<double> ReadIndexDuration = Meter.CreateHistogram("raft.read_index.duration",
        "s", "On a leader: from admitting a ReadIndex read to releasing it with its read point.", tags: null, Seconds);

    public static readonly Histogram<double> JournalWriteDuration = Meter.CreateHistogram("raft.journal.write.duration",
        "s", "From issuing a journal write of Raft state to its completion.", tags: null, Seconds);

    public static readonly Histogram<double> SnapshotCreateDuration = Meter.CreateHistogram("raft.snapshot.create.duration",
        "s", "From receiving the state machine's snapshot to the snapshot store confirming it saved.", tags: null, Seconds);

    public static readonly Histogram<double> SnapshotInstallDuration = Meter.CreateHistogram("raft.snapshot.install.duration",
        "s", "On a follower: from the first chunk of a leader's snapshot to the snapshot installed and saved.", tags: null, Seconds);

    /// <summary>Seconds between two timestamps of <paramref name="clock"/>.</summary>
    public static double SecondsBetween(TimeProvider clock, long start, long end) => clock.GetElapsedTime(start, end).TotalSeconds;

    /// <summary>Seconds since a <see cref="Stopwatch"/> timestamp.</summary>
    public static double SecondsSince(long start) => Stopwatch.GetElapsedTime(start).TotalSeconds;

    private static IEnumerable<Measurement<long>> Each(Func<PeerMetrics, long> value)
    {
        var peers = PeerMetricsRegistry.Peers;
        var measurements = new Measurement<long>[peers.Length];
        for (var i = 0; i < peers.Length; i++) measurements[i] = new Measurement<long>(value(peers[i]), peers[i].Tags);
        return measurements;
    }

    private static IEnumerable<Measurement<long>> FollowerLags()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var peer in PeerMetricsRegistry.Peers)
        {
            var last = peer.LastIndex;
            foreach (var follower in peer.Followers)
                measurements.Add(new Measurement<long>(Math.Max(0, last - follower.Progress.Match), follower.Tags));
        }
        return measurements;
    }
}
