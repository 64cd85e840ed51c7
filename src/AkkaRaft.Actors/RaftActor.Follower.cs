using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Actors;

public sealed partial class RaftActor
{
    /// <summary>Becomes a follower of <paramref name="term"/> (already durable), knowing <paramref name="leaderId"/> if given.</summary>
    private void BecomeFollower(long term, string? leaderId)
    {
        var wasRole = _role;
        EndCampaign("lost");
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
        Command<ElectionTimeout>(_ => StartElection());
        NotLeadingCommands();
    }

    /// <summary>
    /// What every role but the leader's answers alike: client requests are refused naming the leader it knows (a
    /// candidate or pre-candidate knows none), and the leader's timers left over from a term it led are ignored.
    /// </summary>
    private void NotLeadingCommands()
    {
        Command<Propose>(_ =>
        {
            CountProposal(_metrics.ProposalNotLeader);
            Sender.Tell(new NotLeader(_id, _leaderId));
        });
        Command<TransferLeadership>(_ => Sender.Tell(new NotLeader(_id, _leaderId)));
        Command<TransferTimeout>(_ => { }); // a stale timer from when it led
        Command<ReadIndex>(r => Sender.Tell(new ReadIndexRejected(r.RequestId, _id, _leaderId)));
        Command<GetState>(_ => ReplyState());
        Command<AwaitJournalWrites>(_ => AnswerOnceWritten());
        Command<HeartbeatTick>(_ => { });
        Command<FlushProposals>(_ => { });
        NotLeadingMembershipCommands();
        VoteLeaseCommands();
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
            case TimeoutNow now:
                OnTimeoutNow(now);
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
        RenewVoteLease();
    }

    /// <summary>
    /// Figure 2, AppendEntries receiver, at the current term (<see cref="AppendRules"/>). The leader is recognised at
    /// once; the answer, and any commit it enables, waits until new entries are durable. A message without new entries
    /// that arrives while appends are being written is answered at once for what is durable
    /// (<see cref="AppendRules.AnswerAheadOfWrites"/>), so a slow disk does not silence the follower.
    /// </summary>
    private void HandleAppendEntries(AppendEntries ae)
    {
        var step = AppendRules.Answer(View, ae);
        if (step.Problem is { } problem)
        {
            _logger.Warning("{0} dropped AppendEntries from {1} at term {2}: {3}", _id, ae.From, ae.Term, problem);
            return;
        }
        if (_durability.AppendsInFlight > 0 && AppendRules.AnswerAheadOfWrites(step, _durability.DurableIndex) is (var now, var later))
        {
            Send(ae.From, now);
            step = later;
        }
        Carry(step);
    }
}
