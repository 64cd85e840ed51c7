using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Metrics;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors;

public sealed partial class RaftActor
{
    private void OnReadIndex(ReadIndex read)
    {
        var termCommitted = _log.TermAt(_commitIndex) == _currentTerm;
        if (termCommitted && _lastApplied >= _commitIndex && LeaseHolds())
        {
            // Raft thesis §6.4.1: no other leader can exist yet, so the commit index is a read point without a round.
            (_applyTo ?? Sender).Tell(new ReadIndexReady(read.RequestId, _commitIndex), Sender);
            return;
        }
        _reads.Admit(read.RequestId, Sender, termCommitted, _commitIndex, StartTiming(RaftInstruments.ReadIndexDuration));
        // A new leader's commit index may lag what was committed before it (§6.4): commit an entry of its own term
        // first, a no-op (an empty command) unless the log already holds one of this term.
        if (!termCommitted && _log.LastTerm != _currentTerm && _proposed.Count == 0) AppendNoOp();
        if (termCommitted) ScheduleFlush();
    }

    private void AppendNoOp()
    {
        _proposed.Add(new LogEntry(_log.LastIndex + _proposed.Count + 1, _currentTerm, Array.Empty<byte>()));
        ScheduleFlush();
    }

    /// <summary>On a flush: starts a heartbeat round for the reads that need one. True when a round started.</summary>
    private bool StartReadRound(bool always = false)
    {
        if (!_reads.StartRound(always)) return false;
        if (_settings.Reads == ReadMode.Lease) _lease.RoundStarted(_reads.Round, Now);
        ReleaseReads(); // a group of one confirms alone
        return true;
    }

    /// <summary>With lease reads, each heartbeat starts a round, so that the followers' answers keep renewing the lease.</summary>
    private void StartLeaseRound()
    {
        if (_settings.Reads == ReadMode.Lease) StartReadRound(always: true);
    }

    /// <summary>
    /// Whether this leader may serve a read without a round: lease reads are on, a majority acknowledged it within the
    /// lease, and it is not handing leadership over, nor has it told anyone to campaign in this term (thesis §3.10).
    /// </summary>
    private bool LeaseHolds() =>
        _settings.Reads == ReadMode.Lease && _transferTarget is null && !_leaseForfeited &&
        _lease.Holds(_otherVoters, _quorumNeeded, Now);

    private void OnRoundAcknowledged(string follower, long round)
    {
        if (!_reads.Acknowledged(follower, round)) return;
        if (_settings.Reads == ReadMode.Lease) _lease.Acknowledged(follower, round);
        ReleaseReads();
    }

    /// <summary>After a commit: reads waiting for this term's first commit get their read point.</summary>
    private void AdmitReadsAfterCommit()
    {
        if (_log.TermAt(_commitIndex) == _currentTerm && _reads.TermCommitted(_commitIndex)) ScheduleFlush();
    }

    /// <summary>Serves, in order, every read whose round a majority acknowledged and whose read point is applied.</summary>
    private void ReleaseReads()
    {
        // Called at every commit: an indexed loop, so no enumerator is allocated when nothing is released.
        var released = _reads.Release(_otherVoters, _quorumNeeded, _lastApplied);
        for (var i = 0; i < released.Count; i++)
        {
            // To the apply target, after the Applied messages up to read.Index: its mailbox keeps that order.
            var read = released[i];
            RecordSince(RaftInstruments.ReadIndexDuration, read.AdmittedAt);
            (_applyTo ?? read.ReplyTo).Tell(new ReadIndexReady(read.RequestId, read.Index), read.ReplyTo);
        }
    }

    /// <summary>On losing leadership: no pending read may be served by this peer any more.</summary>
    private void RejectPendingReads(string? leaderId)
    {
        foreach (var read in _reads.Clear())
            read.ReplyTo.Tell(new ReadIndexRejected(read.RequestId, _id, leaderId), Self);
    }
}
