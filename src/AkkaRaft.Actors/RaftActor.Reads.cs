using AkkaRaft.Actors.Log;
using AkkaRaft.Actors.Messages;
using AkkaRaft.Actors.Replication;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Actors;

public sealed partial class RaftActor
{
    /// <summary>The latest heartbeat round; every AppendEntries carries it and followers echo it back.</summary>
    private long _readRound;

    /// <summary>Per follower, the highest round it has echoed in this term.</summary>
    private readonly Dictionary<string, long> _ackedRound = new(StringComparer.Ordinal);

    /// <summary>Reads waiting for an entry of this term to commit (thesis §6.4 step 1: until then the commit index may be stale).</summary>
    private readonly List<PendingRead> _readsAwaitingTermCommit = new();

    /// <summary>Reads with a read point, waiting for the next round to start; reads arriving together share it.</summary>
    private readonly List<PendingRead> _readsAwaitingRound = new();

    /// <summary>Reads with a round, waiting for a majority to acknowledge it, then for the read point to be applied.</summary>
    private readonly List<PendingRead> _readsInFlight = new();

    private void OnReadIndex(ReadIndex read)
    {
        var pending = new PendingRead(read.RequestId, Sender, 0, 0);
        if (_log.TermAt(_commitIndex) != _currentTerm)
        {
            // A new leader's commit index may lag what was committed before it (§6.4): commit an entry of its own term
            // first, a no-op (an empty command) unless the log already holds one of this term.
            if (_log.LastTerm != _currentTerm && _proposed.Count == 0) AppendNoOp();
            _readsAwaitingTermCommit.Add(pending);
            return;
        }
        _readsAwaitingRound.Add(pending with { Index = _commitIndex });
        ScheduleFlush();
    }

    private void AppendNoOp()
    {
        _proposed.Add(new LogEntry(_log.LastIndex + _proposed.Count + 1, _currentTerm, Array.Empty<byte>()));
        ScheduleFlush();
    }

    /// <summary>On a flush: starts a heartbeat round for the reads that need one. True when a round started.</summary>
    private bool StartReadRound()
    {
        if (_readsAwaitingRound.Count == 0) return false;
        _readRound++;
        foreach (var read in _readsAwaitingRound) _readsInFlight.Add(read with { Round = _readRound });
        _readsAwaitingRound.Clear();
        ReleaseReads(); // a group of one confirms alone
        return true;
    }

    private void OnRoundAcknowledged(string follower, long round)
    {
        if (round <= (_ackedRound.TryGetValue(follower, out var acked) ? acked : 0)) return;
        _ackedRound[follower] = round;
        ReleaseReads();
    }

    /// <summary>After a commit: reads waiting for this term's first commit get their read point.</summary>
    private void AdmitReadsAfterCommit()
    {
        if (_readsAwaitingTermCommit.Count == 0 || _log.TermAt(_commitIndex) != _currentTerm) return;
        foreach (var read in _readsAwaitingTermCommit) _readsAwaitingRound.Add(read with { Index = _commitIndex });
        _readsAwaitingTermCommit.Clear();
        ScheduleFlush();
    }

    /// <summary>Serves, in order, every read whose round a majority acknowledged and whose read point is applied.</summary>
    private void ReleaseReads()
    {
        if (_readsInFlight.Count == 0) return;
        var majority = QuorumMath.Majority(_settings.Members.Length);
        var served = 0;
        foreach (var read in _readsInFlight)
        {
            var confirmations = 1 + _others.Count(peer => _ackedRound.TryGetValue(peer, out var r) && r >= read.Round);
            if (confirmations < majority || read.Index > _lastApplied) break; // later reads have later rounds
            // To the apply target, after the Applied messages up to read.Index: its mailbox keeps that order.
            (_applyTo ?? read.ReplyTo).Tell(new ReadIndexReady(read.RequestId, read.Index), read.ReplyTo);
            served++;
        }
        if (served > 0) _readsInFlight.RemoveRange(0, served);
    }

    /// <summary>On losing leadership: no pending read may be served by this peer any more.</summary>
    private void RejectPendingReads(string? leaderId)
    {
        foreach (var read in _readsAwaitingTermCommit.Concat(_readsAwaitingRound).Concat(_readsInFlight))
            read.ReplyTo.Tell(new ReadIndexRejected(read.RequestId, _id, leaderId), Self);
        _readsAwaitingTermCommit.Clear();
        _readsAwaitingRound.Clear();
        _readsInFlight.Clear();
        _ackedRound.Clear();
    }
}
