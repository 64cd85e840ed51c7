using AkkaRaft.Actors.Messages;
using AkkaRaft.Actors.Persistence;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Actors;

public sealed partial class RaftActor
{
    /// <summary>Becomes a follower of <paramref name="term"/> (already durable), knowing <paramref name="leaderId"/> if given.</summary>
    private void BecomeFollower(long term, string? leaderId)
    {
        var wasRole = _role;
        ResetLeaderState();
        _votes = null;
        _role = RaftRole.Follower;
        _leaderId = leaderId;
        Timers.Cancel(HeartbeatTimerKey);
        // Figure 2: a newer term alone does not hold off an election (a refused stale candidate must not delay the peer
        // that can win); a leader's message or a granted vote does, by resetting it. Start one where none runs.
        if (!Timers.IsTimerActive(ElectionTimerKey)) ResetElectionTimer();
        Become(Following);
        if (wasRole != RaftRole.Follower || _lastPublished is null)
            _logger.Info("{0} became follower at term {1}", _id, term);
        PublishIfChanged();
    }

    private void Following()
    {
        Command<IRaftMessage>(m => OnRaftMessage(m, _asFollower));
        Command<ElectionTimeout>(_ => BecomeCandidate());
        Command<Propose>(_ => Sender.Tell(new NotLeader(_id, _leaderId)));
        Command<ReadIndex>(r => Sender.Tell(new ReadIndexRejected(r.RequestId, _id, _leaderId)));
        Command<GetState>(_ => ReplyState());
        Command<HeartbeatTick>(_ => { });
        Command<FlushProposals>(_ => { });
        SnapshotCommands();
    }

    /// <summary>A follower's answer to a message of its current term.</summary>
    private void FollowerHandles(IRaftMessage message)
    {
        switch (message)
        {
            case RequestVote rv:
                HandleRequestVote(rv);
                break;
            case AppendEntries ae:
                HandleAppendEntries(ae);
                break;
            case InstallSnapshot snapshot:
                HandleInstallSnapshot(snapshot);
                break;
            // Vote and append results of this term reach a follower only after it stepped down: late, ignored.
        }
    }

    /// <summary>A message of the current term from the leader: learn it, and hold off elections (Figure 2, Followers).</summary>
    private void RecogniseLeader(string leaderId)
    {
        if (_leaderId != leaderId)
        {
            _leaderId = leaderId;
            _logger.Info("{0} follows leader {1} at term {2}", _id, leaderId, _currentTerm);
            PublishIfChanged();
        }
        ResetElectionTimer();
    }

    /// <summary>
    /// Figure 2, AppendEntries receiver, at the current term (<see cref="AppendRules"/>). The reply, and any commit it
    /// enables, waits until new entries are durable.
    /// </summary>
    private void HandleAppendEntries(AppendEntries ae)
    {
        var decision = AppendRules.Decide(_log, _commitIndex, ae);
        if (decision is AppendDecision.Contradicts contradicts)
        {
            _logger.Warning("{0} dropped AppendEntries from {1} at term {2}: {3}", _id, ae.From, ae.Term, contradicts.Reason);
            return;
        }
        RecogniseLeader(ae.From);
        if (decision is AppendDecision.Mismatch mismatch)
        {
            Send(ae.From, new AppendEntriesResult(_settings.ClusterId, _id, _currentTerm, false, 0, ae.PrevLogIndex, mismatch.ConflictTerm, mismatch.ConflictIndex, ae.Round));
            return;
        }

        var (events, matchIndex) = (AppendDecision.Matches)decision;
        void Acknowledge()
        {
            // The answer speaks of the message's term: by the time a write completes the peer may have moved on.
            if (ae.AnswerSuccess)
                Send(ae.From, new AppendEntriesResult(_settings.ClusterId, _id, ae.Term, true, matchIndex, 0, 0, 0, ae.Round));
            // Figure 2: commitIndex = min(leaderCommit, index of last new entry).
            AdvanceCommit(Math.Min(ae.LeaderCommit, matchIndex));
        }
        switch (events.Count)
        {
            case 0:
                // The match may rest on entries still being written: answer once they are durable.
                AfterWrites(Acknowledge);
                break;
            case 1 when events[0] is EntriesAppended appended:
                AppendThen(appended, Acknowledge);
                break;
            default:
                // A truncation holds the mailbox until it is durable; it is rare (a new leader's first message).
                PersistThen(events, Acknowledge);
                break;
        }
    }
}
