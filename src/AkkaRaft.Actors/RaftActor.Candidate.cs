using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Actors;

public sealed partial class RaftActor
{
    /// <summary>Raft §5.2: start an election in the next term, voting for itself, durably, before asking anyone (<see cref="VoteRules.Campaign"/>).</summary>
    private void BecomeCandidate(bool transfer = false)
    {
        var step = VoteRules.Campaign(View, transfer);
        if (step.Problem is { } problem) _logger.Error("{0} cannot campaign: {1}", _id, problem);
        Carry(step);
    }

    /// <summary>Once its vote for itself in the new term is durable: a candidate of that term, with one vote.</summary>
    private void EnterCandidacy()
    {
        StartCampaign(preVote: false);
        ResetLeaderState();
        _role = RaftRole.Candidate;
        _leaderId = null;
        EndVoteLease();
        _votes = new VoterTally(Configuration);
        _votes.Record(_id, granted: true);
        Timers.Cancel(HeartbeatTimerKey);
        ResetElectionTimer(); // a split vote times out into yet another term
        Become(Campaigning);
        _logger.Info("{0} became candidate at term {1}", _id, _currentTerm);
        PublishIfChanged();
        if (_votes.Won) BecomeLeader(); // a group of one, which has nobody to ask
    }

    private void Campaigning()
    {
        Command<IRaftMessage>(m => OnRaftMessage(m, _asCandidate));
        Command<ElectionTimeout>(_ => StartElection()); // with pre-vote, a split vote first asks again who would win
        NotLeadingCommands(); // it knows no leader
    }

    private void CandidateHandles(IRaftMessage message)
    {
        switch (message)
        {
            case RequestVoteResult r:
                _votes!.Record(r.From, r.VoteGranted);
                if (_votes.Won) BecomeLeader();
                break;
            case AppendEntries or InstallSnapshot:
                FollowLeaderOfThisTerm(message);
                break;
            case RequestVote rv:
                HandleRequestVote(rv); // refused: a candidate has voted for itself in this term
                break;
        }
    }

    /// <summary>
    /// A (pre-)candidate hears a leader's AppendEntries or InstallSnapshot of its own term (Raft §5.2): a leader of this
    /// very term exists, since a newer term's message would already have made it a follower. It follows that leader and
    /// answers the message as a follower.
    /// </summary>
    private void FollowLeaderOfThisTerm(IRaftMessage message)
    {
        BecomeFollower(_currentTerm, message.From);
        if (message is AppendEntries ae) HandleAppendEntries(ae);
        else HandleInstallSnapshot((InstallSnapshot)message);
    }
}
