using System.Runtime.InteropServices;
using Akka.Actor;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Persistence;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Actors;

public sealed partial class RaftActor
{
    private void ResetLeaderState()
    {
        RejectPendingReads(null);
        ProposalsDropped();
        if (_transferTarget is not null) CountTransfer(_timeoutNowSent ? "handed_over" : "abandoned");
        _lease.Clear();
        _progress.Clear();
        _metrics.ClearFollowers();
        _proposed.Clear();
        _flushScheduled = false;
        EndTransfer();
        AbandonMembershipWork();
        Timers.Cancel(QuorumCheckTimerKey);
    }

    /// <summary>Raft §5.2: won the election; assert leadership at once and then every heartbeat interval.</summary>
    private void BecomeLeader()
    {
        _role = RaftRole.Leader;
        _leaderId = _id;
        _votes = null;
        _leaseForfeited = false;
        foreach (var peer in _others)
            _progress[peer] = new FollowerProgress(_log.LastIndex + 1, _settings.MaxInflightMessages);
        ObserveFollowers();
        EndCampaign("won");
        _lastHeartbeatAt = Now;
        Timers.Cancel(ElectionTimerKey);
        Timers.StartPeriodicTimer(HeartbeatTimerKey, HeartbeatTick.Instance, _settings.HeartbeatInterval);
        StartQuorumChecks();
        EndVoteLease(); // a leader's own lease is its role (InVoteLease)
        Become(Leading);
        _logger.Info("{0} became leader at term {1}", _id, _currentTerm);
        PublishIfChanged();
        StartLeaseRound(); // the first messages of the term can already count toward a lease
        if (_settings.LeaderNoOp)
        {
            // Raft thesis §6.4: an entry of this term, committed at once, commits every earlier entry (Figure 8 forbids
            // counting their replicas) and gives reads a commit index of this term; its AppendEntries assert leadership.
            _proposed.Add(new LogEntry(_log.LastIndex + 1, _currentTerm, Array.Empty<byte>()));
            Flush();
        }
        else
            foreach (var peer in _others) SendAppend(peer, heartbeat: true);
        MaybeCommit(); // a group of one commits alone
    }

    private void Leading()
    {
        Command<IRaftMessage>(m => OnRaftMessage(m, _asLeader));
        Command<Propose>(OnPropose);
        Command<TransferLeadership>(OnTransferLeadership);
        Command<TransferTimeout>(_ => OnTransferTimeout());
        Command<ReadIndex>(OnReadIndex);
        Command<FlushProposals>(_ => Flush());
        Command<HeartbeatTick>(_ => OnHeartbeat());
        Command<GetState>(_ => ReplyState());
        Command<AwaitJournalWrites>(_ => AnswerOnceWritten());
        Command<ElectionTimeout>(_ => { }); // a stale timer from before; leaders do not time out
        Command<QuorumCheckTick>(_ => OnQuorumCheck());
        LeaderMembershipCommands();
        VoteLeaseCommands();
        SnapshotCommands();
    }

    private void LeaderHandles(IRaftMessage message)
    {
        if (message is IRaftResponse && !_progress.ContainsKey(message.From)) return; // from a member removed since
        NoteFollowerActive(message.From);
        switch (message)
        {
            case AppendEntriesResult r:
                OnAppendResult(r);
                break;
            case InstallSnapshotResult r:
                OnInstallSnapshotResult(r);
                break;
            case RequestVote rv:
                HandleRequestVote(rv); // refused: a leader has voted for itself in this term
                break;
            case AppendEntries or InstallSnapshot:
                // Election Safety (§5.2) makes this impossible; acting on it could only diverge.
                _logger.Error("{0} is leader at term {1} but {2} claims the same term; ignoring it", _id, _currentTerm, message.From);
                break;
        }
    }

    private void OnPropose(Propose propose)
    {
        if (_transferTarget is { } target)
        {
            // Thesis §3.10: an entry appended now could be lost to the target's term; the client retries after.
            CountProposal(_metrics.ProposalTransferring);
            Sender.Tell(new TransferInProgress(_id, target, propose));
            return;
        }
        var entry = new LogEntry(_log.LastIndex + _proposed.Count + 1, _currentTerm, propose.Command);
        _proposed.Add(entry);
        TrackProposal(entry.Index);
        Sender.Tell(new ProposeAccepted(entry.Index, entry.Term));
        ScheduleFlush();
    }

    /// <summary>
    /// Defers sending until the mailbox's current burst has been read: the flush message queues behind it,
    /// so concurrent proposals share one journal write and one AppendEntries per follower, yet none waits
    /// for a heartbeat.
    /// </summary>
    private void ScheduleFlush()
    {
        if (_flushScheduled) return;
        _flushScheduled = true;
        Self.Tell(FlushProposals.Instance);
    }

    private void Flush()
    {
        _flushScheduled = false;
        // The leader counts itself once its own write is durable; followers may store the entries in parallel (Raft
        // thesis §10.2.1), so the sends below do not wait for the write. One journal event holds at most what one
        // AppendEntries may carry, so a burst of proposals never becomes one event too large for the journal.
        var start = 0;
        while (start < _proposed.Count)
        {
            var end = start + 1;
            long bytes = _proposed[start].Command.Length;
            while (end < _proposed.Count && end - start < _settings.MaxEntriesPerMessage && bytes + _proposed[end].Command.Length <= _settings.MaxBytesPerMessage)
                bytes += _proposed[end++].Command.Length;
            Carry(Step.LeaderAppend(new EntriesAppended(CollectionsMarshal.AsSpan(_proposed)[start..end].ToArray())));
            start = end;
        }
        _proposed.Clear();
        var round = StartReadRound();
        foreach (var peer in _others) SendAppend(peer, heartbeat: round);
    }

    private void OnHeartbeat()
    {
        StartLeaseRound();
        CountHeartbeatFailures();
        foreach (var peer in _others)
        {
            _progress[peer].HeartbeatElapsed();
            SendAppend(peer, heartbeat: true);
        }
        ObserveCatchUp(); // a learner that went silent is given up on
        ForgetDeparted();
    }

    /// <summary>
    /// Sends what <paramref name="peer"/> lacks: batches up to the message limits, pipelined up to the in-flight
    /// limit, or a single probe while its match point is unknown. With nothing to send, an empty AppendEntries
    /// goes when it is a heartbeat or the follower has not yet heard the current commit index.
    /// </summary>
    private void SendAppend(string peer, bool heartbeat)
    {
        var progress = _progress[peer];
        if (progress.Mode == ReplicationMode.Snapshot || (progress.Next <= _log.SnapshotIndex && !progress.CanAppendRetained(_log.SnapshotIndex)))
        {
            // What it needs is compacted (§7): the snapshot goes instead; its chunks also serve as heartbeats.
            SendSnapshotChunk(peer, progress);
            return;
        }
        var sent = false;
        while (!progress.IsPaused && progress.Next <= _log.LastIndex)
        {
            var entries = progress.Next <= _log.SnapshotIndex
                ? progress.Retained!.Slice(progress.Next, _settings.MaxEntriesPerMessage, _settings.MaxBytesPerMessage)
                : _log.Slice(progress.Next, _settings.MaxEntriesPerMessage, _settings.MaxBytesPerMessage);
            SendAppendEntries(peer, progress, entries, answerSuccess: true);
            progress.Sent(entries[^1].Index);
            sent = true;
        }
        if (sent) return;
        if (heartbeat)
            SendAppendEntries(peer, progress, Array.Empty<LogEntry>(), answerSuccess: true);
        else if (progress.SentCommit < _commitIndex && !progress.AwaitingAnswer)
            // Only news of the commit index. A follower with an append in flight hears it with the next message its
            // answer brings (entries, or this news then), so under load the news rides on entries. A matching follower
            // need not answer it: its answers to the appends carry its match, and heartbeats still get answers.
            SendAppendEntries(peer, progress, Array.Empty<LogEntry>(), answerSuccess: false);
    }

    private void SendAppendEntries(string peer, FollowerProgress progress, IReadOnlyList<LogEntry> entries, bool answerSuccess)
    {
        var prev = progress.Next - 1;
        progress.SentCommit = _commitIndex;
        progress.NoteSent(prev + entries.Count);
        var prevTerm = _log.TermAt(prev) ?? progress.Retained!.TermAt(prev)!.Value;
        Send(peer, new AppendEntries(_settings.ClusterId, _id, _currentTerm, prev, prevTerm, entries, _commitIndex) { Round = _reads.Round, AnswerSuccess = answerSuccess });
    }

    private void OnAppendResult(AppendEntriesResult r)
    {
        var progress = _progress[r.From];
        // A correct follower answers only what it was sent in this term; anything beyond could move the leader past
        // its own log (and throw) or count an entry toward a majority that does not hold it.
        var claimed = r.Success ? r.MatchIndex : r.RejectedPrevLogIndex;
        if (claimed > progress.HighestSent)
        {
            _logger.Warning("{0} dropped an AppendEntriesResult from {1} speaking of index {2}, beyond the {3} it was sent", _id, r.From, claimed, progress.HighestSent);
            return;
        }
        OnRoundAcknowledged(r.From, r.Round); // an answer in this term: it still recognised this leader
        if (r.Success)
        {
            if (progress.Acknowledged(r.MatchIndex)) MaybeCommit();
            if (progress.Match >= _log.SnapshotIndex) progress.Retained = null; // it needs nothing compacted any more
            if (r.From == _catchUp?.Id) ObserveCatchUp();
            if (_departing.ContainsKey(r.From))
            {
                ForgetDeparted();
                if (!_progress.ContainsKey(r.From)) return;
            }
            if (r.From == _transferTarget && MaybeSendTimeoutNow()) return;
            SendAppend(r.From, heartbeat: false);
            return;
        }
        if (progress.Rejected(r.RejectedPrevLogIndex, FastBackup.NextIndex(_log, r)))
            SendAppend(r.From, heartbeat: true);
    }

    /// <summary>Moves the commit index to what a majority holds, if that entry is of this term (Figure 8), and tells followers promptly.</summary>
    private void MaybeCommit()
    {
        if (_role != RaftRole.Leader) return;
        // Only the voters of the latest configuration count (thesis §4.1); the leader too, only while it is one (§4.2.2).
        var commit = VoterQuorum.Advance(Configuration, _id, _durability.DurableIndex, _matchOf, _commitIndex, _currentTerm, _termAt);
        if (commit <= _commitIndex) return;
        AdvanceCommit(commit);
        AdmitReadsAfterCommit();
        ScheduleFlush();
    }
}
