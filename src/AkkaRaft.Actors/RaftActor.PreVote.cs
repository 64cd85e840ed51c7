using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Actors;

/// <summary>Pre-vote, check-quorum and the vote lease (Raft thesis §9.6, §6.2).</summary>
public sealed partial class RaftActor
{
    private const string QuorumCheckTimerKey = "check-quorum";
    private const string VoteLeaseTimerKey = "vote-lease";

    /// <summary>True from a leader's message until election-timeout-min later (<see cref="VoteLeaseEnded"/>).</summary>
    private bool _heardLeaderRecently;

    /// <summary>
    /// The term of the leader last heard: while the lease runs, requests to vote in any newer term are ignored, even once
    /// this peer has adopted a newer term from some other message (a late vote answer, say). The leader it heard may
    /// still count on its refusal, for the quorum it checks and for its read lease.
    /// </summary>
    private long _voteLeaseTerm;

    /// <summary>An election timeout: a pre-vote round when pre-vote is on, else an election at once (§5.2).</summary>
    private void StartElection()
    {
        EndCampaign("timed_out"); // a (pre-)candidate whose round got no majority in time
        if (!MayCampaign()) return;
        if (_settings.PreVote) BeginPreVote();
        else BecomeCandidate();
    }

    /// <summary>Raft thesis §9.6: ask for pre-votes in the next term, changing neither term nor vote (<see cref="PreVoteRules.Campaign"/>).</summary>
    private void BeginPreVote()
    {
        var step = PreVoteRules.Campaign(View);
        if (step.Problem is { } problem) _logger.Error("{0} cannot campaign: {1}", _id, problem);
        Carry(step);
    }

    /// <summary>
    /// A pre-candidate of the current term, counting itself. It forgets the leader it knew: a peer that still knew one
    /// would, under the vote lease, ignore the pre-votes of the others, and two such peers would refuse each other forever.
    /// </summary>
    private void EnterPreCandidacy()
    {
        StartCampaign(preVote: true);
        ResetLeaderState();
        // The term stays the same, so an election of this term it timed out of can still be won by votes under way.
        _votesOfElectionTimedOut = _role switch
        {
            RaftRole.Candidate => _votes,
            RaftRole.PreCandidate => _votesOfElectionTimedOut,
            _ => null,
        };
        _role = RaftRole.PreCandidate;
        _leaderId = null;
        EndVoteLease();
        _votes = new VoterTally(Configuration);
        _votes.Record(_id, granted: true);
        Timers.Cancel(HeartbeatTimerKey);
        ResetElectionTimer(); // a round that gets no majority times out into another round
        Become(PreCampaigning);
        _logger.Info("{0} became pre-candidate at term {1}", _id, _currentTerm);
        PublishIfChanged();
        if (!_votes.Won) return;
        EndCampaign("won"); // a group of one, which has nobody to ask
        BecomeCandidate();
    }

    private void PreCampaigning()
    {
        Command<IRaftMessage>(m => OnRaftMessage(m, _asPreCandidate));
        Command<ElectionTimeout>(_ => StartElection());
        NotLeadingCommands(); // it forgot the leader it knew
    }

    private void PreCandidateHandles(IRaftMessage message)
    {
        switch (message)
        {
            case PreVoteResult r:
                _votes!.Record(r.From, r.VoteGranted);
                if (_votes.Won)
                {
                    _logger.Info("{0} received pre-votes from a majority at term {1}", _id, _currentTerm);
                    EndCampaign("won");
                    BecomeCandidate();
                }
                break;
            case AppendEntries or InstallSnapshot:
                FollowLeaderOfThisTerm(message);
                break;
            case RequestVote rv:
                // A candidate of this very term won its pre-votes: an election is under way, so this round ends, and the
                // request is answered as a follower would (a grant restarts the timer; a refusal does not).
                BecomeFollower(_currentTerm, null);
                HandleRequestVote(rv);
                break;
            case RequestVoteResult r when _votesOfElectionTimedOut is { } votes:
                // A late answer to the election of this term it timed out of: each voter votes once per term (§5.2),
                // so a majority of grants makes it this term's only leader, as if they had come in time.
                votes.Record(r.From, r.VoteGranted);
                if (!votes.Won) break;
                _logger.Info("{0} received votes from a majority at term {1} after its election timed out", _id, _currentTerm);
                EndCampaign("superseded");
                BecomeLeader();
                break;
            // Any other RequestVoteResult of this term answers an election it gave up as a follower since, or never ran: ignored.
        }
    }

    /// <summary>
    /// Pre-vote messages bypass the term rules of <see cref="OnRaftMessage"/>: a request's term is one its sender has not
    /// reached, and adopting it (or counting a vote in it) is exactly what pre-vote avoids.
    /// </summary>
    private void OnPreVoteMessage(IRaftMessage message, Action<IRaftMessage> roleHandler)
    {
        if (message is PreVote pv)
        {
            var step = PreVoteRules.Answer(View, pv, out var granted);
            _logger.Debug("{0} {1} its pre-vote to {2} for term {3} (at term {4})", _id, granted ? "granted" : "refused", pv.From, pv.Term, _currentTerm);
            Carry(step);
            return;
        }
        var result = (PreVoteResult)message;
        switch (PreVoteRules.OnResult(_currentTerm, _role == RaftRole.PreCandidate, result))
        {
            case PreVoteResultAction.StepDown:
                Carry(TermRules.StepDown(result));
                break;
            case PreVoteResultAction.Count:
                roleHandler(result);
                break;
        }
    }

    // ---- The vote lease ----

    /// <summary>
    /// Whether a request to vote in a newer term is ignored: with check-quorum on, a leader always, and a peer that heard
    /// from its leader within election-timeout-min (etcd's lease). A pre-candidate or candidate has forgotten its leader.
    /// </summary>
    private bool InVoteLease => _settings.CheckQuorum && (_role == RaftRole.Leader || _heardLeaderRecently);

    /// <summary>The term whose leader the vote lease protects: a leader's own, or that of the leader a follower last heard.</summary>
    private long VoteLeaseTerm => _role == RaftRole.Leader ? _currentTerm : _voteLeaseTerm;

    /// <summary>
    /// On start, with lease reads: hold the vote lease as if a leader of the recovered term had just been heard. This peer
    /// may have acknowledged a leader just before it stopped, and that leader's read lease counts on its refusal.
    /// </summary>
    private void HoldVoteLeaseAtStart()
    {
        if (_settings.Reads == ReadMode.Lease) RenewVoteLease();
    }

    /// <summary>A leader's message: the lease runs for election-timeout-min from now (a keyed timer, so virtual time ends it too).</summary>
    private void RenewVoteLease()
    {
        if (!_settings.CheckQuorum) return;
        _heardLeaderRecently = true;
        _voteLeaseTerm = _currentTerm;
        Timers.StartSingleTimer(VoteLeaseTimerKey, VoteLeaseEnded.Instance, _settings.ElectionTimeoutMin);
    }

    private void EndVoteLease()
    {
        _heardLeaderRecently = false;
        Timers.Cancel(VoteLeaseTimerKey);
    }

    private void VoteLeaseCommands() => Command<VoteLeaseEnded>(_ => { _heardLeaderRecently = false; });

    // ---- Check-quorum ----

    /// <summary>
    /// A new leader checks every election-timeout-min that a majority answered since the last check. The minimum, not the
    /// maximum: a follower may start an election that long after it last heard the leader, so by then a leader cut off
    /// from its majority should have stopped serving; it steps down at most two minimum timeouts after losing it.
    /// </summary>
    private void StartQuorumChecks()
    {
        if (_settings.CheckQuorum) Timers.StartPeriodicTimer(QuorumCheckTimerKey, QuorumCheckTick.Instance, _settings.ElectionTimeoutMin);
    }

    private void OnQuorumCheck()
    {
        var step = QuorumActivity.Check(_otherVoters.Select(v => _progress[v]), _quorumNeeded);
        if (step.Role == RaftRole.Follower)
            _logger.Warning("{0} steps down at term {1}: it has not heard from a majority within {2}", _id, _currentTerm, _settings.ElectionTimeoutMin);
        Carry(step);
    }

    /// <summary>A message of the current term from a follower: it is active, for the next quorum check.</summary>
    private void NoteFollowerActive(string follower)
    {
        if (!_progress.TryGetValue(follower, out var progress)) return;
        progress.RecentActive = true;
        progress.LastHeard = Now;
    }
}
