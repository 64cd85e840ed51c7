using AkkaRaft.Actors.Messages;
using AkkaRaft.Actors.Persistence;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Actors;

public sealed partial class RaftActor
{
    private VoteTally? _votes;

    /// <summary>Raft §5.2: start an election in the next term, voting for itself, durably, before asking anyone.</summary>
    private void BecomeCandidate()
    {
        if (_currentTerm >= WireChecks.MaxTermOrIndex - 1)
        {
            // No peer would accept the next term, and a journal written before terms were bounded could even hold one
            // whose increment wraps. Only such a journal can bring a peer here.
            _logger.Error("{0} cannot campaign: its term {1} is at the bound {2} of terms", _id, _currentTerm, WireChecks.MaxTermOrIndex - 1);
            ResetElectionTimer();
            return;
        }
        var term = checked(_currentTerm + 1);
        PersistThen(new HardStateChanged(term, _id), () =>
        {
            ResetLeaderState();
            _role = RaftRole.Candidate;
            _leaderId = null;
            _votes = new VoteTally(_settings.Members.Length);
            _votes.Record(_id, granted: true);
            Timers.Cancel(HeartbeatTimerKey);
            ResetElectionTimer(); // a split vote times out into yet another term
            Become(Campaigning);
            _logger.Info("{0} became candidate at term {1}", _id, term);
            PublishIfChanged();
            if (_votes.Won)
            {
                BecomeLeader(); // a group of one
                return;
            }
            var request = new RequestVote(_settings.ClusterId, _id, term, _log.LastIndex, _log.LastTerm);
            foreach (var peer in _others) Send(peer, request);
        });
    }

    private void Campaigning()
    {
        Command<IRaftMessage>(m => OnRaftMessage(m, _asCandidate));
        Command<ElectionTimeout>(_ => BecomeCandidate());
        Command<Propose>(_ => Sender.Tell(new NotLeader(_id, null)));
        Command<ReadIndex>(r => Sender.Tell(new ReadIndexRejected(r.RequestId, _id, null)));
        Command<GetState>(_ => ReplyState());
        Command<HeartbeatTick>(_ => { });
        Command<FlushProposals>(_ => { });
        SnapshotCommands();
    }

    private void CandidateHandles(IRaftMessage message)
    {
        switch (message)
        {
            case RequestVoteResult r:
                _votes!.Record(r.From, r.VoteGranted);
                if (_votes.Won) BecomeLeader();
                break;
            case AppendEntries ae:
                // Raft §5.2: a leader of this very term exists; recognise it.
                BecomeFollower(_currentTerm, ae.From);
                HandleAppendEntries(ae);
                break;
            case InstallSnapshot snapshot:
                BecomeFollower(_currentTerm, snapshot.From);
                HandleInstallSnapshot(snapshot);
                break;
            case RequestVote rv:
                HandleRequestVote(rv); // refused: a candidate has voted for itself in this term
                break;
        }
    }
}
