using System.Diagnostics;
using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Metrics;

namespace AkkaRaft.Actors;

/// <summary>
/// Metrics (<see cref="RaftMetrics"/>): the gauges read <see cref="_metrics"/>, which the peer keeps current; the counters
/// and histograms are recorded where things happen. On the replication path nothing here allocates: tag arrays are made
/// once per peer, extra tags go in a <see cref="TagList"/> on the stack, and timestamps are taken only for an instrument
/// someone listens to.
/// </summary>
public sealed partial class RaftActor
{
    private enum Campaign { None, PreVote, Vote }

    private static readonly object True = true;
    private static readonly object False = false;

    private readonly PeerMetrics _metrics;

    /// <summary>The leader, and its term, last counted as a leader change.</summary>
    private string? _countedLeader;
    private long _countedLeaderTerm;

    /// <summary>The campaign under way, counted when it ends.</summary>
    private Campaign _campaign;

    /// <summary>A leader's proposals not yet committed, in index order, with when each was accepted (on <see cref="_clock"/>).</summary>
    private readonly Queue<(long Index, long AcceptedAt)> _proposalsInFlight = new();

    /// <summary>A leader's previous heartbeat tick: a follower not heard from since missed a heartbeat.</summary>
    private TimeSpan _lastHeartbeatAt;

    /// <summary>
    /// When each journal write in flight began (0: not timed), oldest first. Akka.Persistence completes writes in the order
    /// they were issued, so the oldest entry is always the write that completes next; kept here rather than in the write's
    /// callback, which would grow the closure every write allocates.
    /// </summary>
    private readonly Queue<long> _writeStarts = new();

    /// <summary>When the state machine's snapshot arrived, and the sequence number its save is answered with (0: none).</summary>
    private long _snapshotCreateStartedAt;
    private long _snapshotCreateAwaited = -1;

    /// <summary>When the first chunk of the snapshot being installed from the leader arrived.</summary>
    private long _snapshotInstallStartedAt;

    private void RegisterMetrics()
    {
        ObserveRole();
        ObserveLog();
        PeerMetricsRegistry.Add(_metrics);
    }

    private void UnregisterMetrics() => PeerMetricsRegistry.Remove(_metrics);

    /// <summary>After a change of role, term or leader: the gauges, and a leader change if this is a new leader.</summary>
    private void ObserveRole()
    {
        _metrics.SetRole(_currentTerm, _role, _leaderId is not null);
        if (_leaderId is not { } leader || (leader == _countedLeader && _currentTerm == _countedLeaderTerm)) return;
        _countedLeader = leader;
        _countedLeaderTerm = _currentTerm;
        RaftInstruments.LeaderChanges.Add(1, _metrics.Tags);
    }

    /// <summary>After the log, the commit index or the applied index moved: three field writes.</summary>
    private void ObserveLog() => _metrics.SetLog(_log.LastIndex, _commitIndex, _lastApplied);

    /// <summary>The followers a leader tracks changed (its election, a membership change).</summary>
    private void ObserveFollowers()
    {
        if (_role == RaftRole.Leader) _metrics.SetFollowers(_progress);
        else _metrics.ClearFollowers();
    }

    // ---- elections ----

    private void StartCampaign(bool preVote) => _campaign = preVote ? Campaign.PreVote : Campaign.Vote;

    /// <summary>The campaign under way, if any, ended: <c>won</c>, <c>lost</c> (it became a follower), <c>timed_out</c>, or <c>superseded</c> (a pre-vote round cut short by late votes that won the election before it).</summary>
    private void EndCampaign(string outcome)
    {
        if (_campaign == Campaign.None) return;
        var tags = new TagList(_metrics.Tags)
        {
            { RaftInstruments.ElectionPreVote, _campaign == Campaign.PreVote ? True : False },
            { RaftInstruments.ElectionOutcome, outcome },
        };
        _campaign = Campaign.None;
        RaftInstruments.Elections.Add(1, tags);
    }

    // ---- proposals ----

    private void CountProposal(KeyValuePair<string, object?>[] tags) => RaftInstruments.Proposals.Add(1, tags);

    /// <summary>A leader accepted a proposal at <paramref name="index"/>: it is counted and timed when it commits.</summary>
    private void TrackProposal(long index)
    {
        if (RaftInstruments.Proposals.Enabled || RaftInstruments.ProposalCommitDuration.Enabled)
            _proposalsInFlight.Enqueue((index, _clock.GetTimestamp()));
    }

    /// <summary>On a leader's commit: every tracked proposal up to the commit index is committed.</summary>
    private void ProposalsCommitted()
    {
        if (_proposalsInFlight.Count == 0 || _proposalsInFlight.Peek().Index > _commitIndex) return;
        var now = _clock.GetTimestamp();
        while (_proposalsInFlight.TryPeek(out var proposal) && proposal.Index <= _commitIndex)
        {
            _proposalsInFlight.Dequeue();
            RaftInstruments.Proposals.Add(1, _metrics.ProposalCommitted);
            RaftInstruments.ProposalCommitDuration.Record(RaftInstruments.SecondsBetween(_clock, proposal.AcceptedAt, now), _metrics.Tags);
        }
    }

    /// <summary>Leadership ended with proposals uncommitted: this peer will not see them commit (a later leader may).</summary>
    private void ProposalsDropped()
    {
        if (_proposalsInFlight.Count == 0) return;
        RaftInstruments.Proposals.Add(_proposalsInFlight.Count, _metrics.ProposalDropped);
        _proposalsInFlight.Clear();
    }

    // ---- a leader's other events ----

    /// <summary>At a heartbeat tick: each follower that answered nothing since the previous tick missed a heartbeat.</summary>
    private void CountHeartbeatFailures()
    {
        var now = Now;
        if (RaftInstruments.HeartbeatFailures.Enabled)
            foreach (var peer in _others)
                if (_progress[peer].LastHeard is not { } heard || heard < _lastHeartbeatAt)
                    RaftInstruments.HeartbeatFailures.Add(1, new TagList(_metrics.Tags) { { RaftMetrics.FollowerTag, peer } });
        _lastHeartbeatAt = now;
    }

    /// <summary>A leadership transfer ended: <c>handed_over</c>, <c>timed_out</c>, <c>refused</c> or <c>abandoned</c>.</summary>
    private void CountTransfer(string outcome) =>
        RaftInstruments.LeadershipTransfers.Add(1, new TagList(_metrics.Tags) { { RaftInstruments.TransferOutcome, outcome } });

    /// <summary>A membership change (<c>add_learner</c>, <c>add_voter</c>, <c>promote_learner</c>, <c>remove_member</c>) was <c>committed</c> or <c>refused</c>.</summary>
    private void CountMembershipChange(string change, string result) =>
        RaftInstruments.MembershipChanges.Add(1, new TagList(_metrics.Tags)
        {
            { RaftInstruments.MembershipChange, change },
            { RaftInstruments.MembershipResult, result },
        });

    private static string KindOf(MembershipChange change) =>
        change switch { AddLearnerChange => "add_learner", PromoteLearnerChange => "promote_learner", _ => "remove_member" };

    // ---- durations ----

    private void BeginWriteTiming() => _writeStarts.Enqueue(StartTiming(RaftInstruments.JournalWriteDuration));

    private void EndWriteTiming()
    {
        if (_writeStarts.TryDequeue(out var startedAt)) RecordSince(RaftInstruments.JournalWriteDuration, startedAt);
    }

    /// <summary>A timestamp for a duration, or 0 when nobody listens to <paramref name="histogram"/>.</summary>
    private long StartTiming(System.Diagnostics.Metrics.Histogram<double> histogram) => histogram.Enabled ? Math.Max(1, _clock.GetTimestamp()) : 0;

    private void RecordSince(System.Diagnostics.Metrics.Histogram<double> histogram, long startedAt)
    {
        if (startedAt != 0) histogram.Record(RaftInstruments.SecondsBetween(_clock, startedAt, _clock.GetTimestamp()), _metrics.Tags);
    }
}
