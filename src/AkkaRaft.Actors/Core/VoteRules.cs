using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Persistence;

namespace AkkaRaft.Actors.Core;

/// <summary>How a peer answers a RequestVote of its current term.</summary>
internal enum VoteDecision
{
    /// <summary>Refuse: it voted for another candidate in this term.</summary>
    RefuseVotedForAnother,

    /// <summary>Refuse: the candidate's log is less up-to-date than this peer's (§5.4.1).</summary>
    RefuseLogBehind,

    /// <summary>Grant, after making the vote durable.</summary>
    GrantAfterRecording,

    /// <summary>Grant again: the vote is already this candidate's, and durable.</summary>
    GrantAgain,
}

/// <summary>Figure 2, RequestVote receiver, at the current term.</summary>
internal static class VoteRules
{
    /// <summary>
    /// Grant when not yet voted for another in this term and the candidate's log is at least as up-to-date (§5.2,
    /// §5.4.1). A vote is recorded durably before it is sent.
    /// </summary>
    public static VoteDecision Decide(string? votedFor, RaftLog log, RequestVote rv)
    {
        if (votedFor is not null && votedFor != rv.From) return VoteDecision.RefuseVotedForAnother;
        if (!log.IsUpToDate(rv.LastLogIndex, rv.LastLogTerm)) return VoteDecision.RefuseLogBehind;
        return votedFor == rv.From ? VoteDecision.GrantAgain : VoteDecision.GrantAfterRecording;
    }

    /// <summary>
    /// A peer's whole answer to a RequestVote of its current term: a new vote is written, holding the mailbox, before
    /// the grant goes; a grant restarts the election timer once sent (Figure 2, Followers); a vote already recorded for
    /// this candidate is granted again at once; a refusal records nothing.
    /// </summary>
    public static Step Answer(in PeerView peer, RequestVote rv, out VoteDecision decision)
    {
        decision = Decide(peer.VotedFor, peer.Log, rv);
        var granted = decision is VoteDecision.GrantAgain or VoteDecision.GrantAfterRecording;
        var answer = new RequestVoteResult(peer.ClusterId, peer.Id, peer.CurrentTerm, granted);
        if (!granted) return Step.Send(rv.From, answer);
        return new Step
        {
            Events = decision == VoteDecision.GrantAfterRecording ? new IRaftEvent[] { new HardStateChanged(peer.CurrentTerm, rv.From) } : Array.Empty<IRaftEvent>(),
            Write = decision == VoteDecision.GrantAfterRecording ? StepWrite.Holding : StepWrite.None,
            To = rv.From,
            Message = answer,
            ResetElectionTimer = true,
        };
    }

    /// <summary>
    /// Raft §5.2: an election timeout starts an election in the next term. The peer votes for itself, durably, before it
    /// becomes a candidate and asks every other member for its vote, with its last log index and term (§5.4.1).
    /// </summary>
    /// <param name="peer">The peer's state.</param>
    /// <param name="transfer">The leader handed this peer leadership (<see cref="TimeoutNow"/>, Raft thesis §3.10): its
    /// vote requests say so, so that voters still hearing from that leader grant them.</param>
    public static Step Campaign(in PeerView peer, bool transfer = false)
    {
        if (peer.CurrentTerm >= WireChecks.MaxTermOrIndex - 1)
        {
            // No peer would accept the next term, and a journal written before terms were bounded could even hold one
            // whose increment wraps. Only such a journal can bring a peer here; it waits another timeout.
            return Step.Drop($"its term {peer.CurrentTerm} is at the bound {WireChecks.MaxTermOrIndex - 1} of terms") with { ResetElectionTimer = true };
        }
        var term = checked(peer.CurrentTerm + 1);
        return Step.Hold(new HardStateChanged(term, peer.Id)) with
        {
            Role = RaftRole.Candidate,
            Message = new RequestVote(peer.ClusterId, peer.Id, term, peer.Log.LastIndex, peer.Log.LastTerm) { Transfer = transfer },
        };
    }
}
