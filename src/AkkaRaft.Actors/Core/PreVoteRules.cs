using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors.Core;

/// <summary>What a peer does with a <see cref="PreVoteResult"/>.</summary>
internal enum PreVoteResultAction
{
    /// <summary>Nothing: it is not a pre-candidate, or the answer belongs to no round of this term.</summary>
    Ignore,

    /// <summary>Count it toward (or against) the pre-vote round of this term.</summary>
    Count,

    /// <summary>A refusal that carries a newer term: adopt it, as a follower (Raft §5.1).</summary>
    StepDown,
}

/// <summary>
/// Pre-vote (Raft thesis §9.6): before raising its term, a peer asks whether a majority would vote for it. Nothing of it
/// is durable: a pre-vote neither changes the requester's term or vote nor the receiver's, so no step writes.
/// </summary>
internal static class PreVoteRules
{
    /// <summary>
    /// Grant when the requested term is newer than the receiver's and the requester's log is at least as up-to-date
    /// (§5.4.1), whomever the receiver voted for: the request is for a term in which it has not voted yet.
    /// </summary>
    public static bool Grants(in PeerView peer, PreVote pv) =>
        pv.Term > peer.CurrentTerm && peer.Log.IsUpToDate(pv.LastLogIndex, pv.LastLogTerm);

    /// <summary>
    /// The answer, sent at once: nothing is written and the election timer keeps running (a pre-candidate must not hold
    /// off the election of a peer that can win). A grant echoes the requested term; a refusal carries the receiver's
    /// term, so a requester behind it learns the newer term and steps down to it (clusters mixing pre-vote on and off).
    /// </summary>
    public static Step Answer(in PeerView peer, PreVote pv, out bool granted)
    {
        granted = Grants(peer, pv);
        return Step.Send(pv.From, new PreVoteResult(peer.ClusterId, peer.Id, granted ? pv.Term : peer.CurrentTerm, granted));
    }

    /// <summary>
    /// Raft thesis §9.6: an election timeout with pre-vote on makes a pre-candidate, at its current term and with its
    /// vote unchanged, which asks every other member for a pre-vote in the next term with its last log index and term.
    /// Nothing is written.
    /// </summary>
    public static Step Campaign(in PeerView peer)
    {
        if (peer.CurrentTerm >= WireChecks.MaxTermOrIndex - 1)
            return Step.Drop($"its term {peer.CurrentTerm} is at the bound {WireChecks.MaxTermOrIndex - 1} of terms") with { ResetElectionTimer = true };
        return new Step
        {
            Role = RaftRole.PreCandidate,
            Message = new PreVote(peer.ClusterId, peer.Id, peer.CurrentTerm + 1, peer.Log.LastIndex, peer.Log.LastTerm),
        };
    }

    /// <summary>
    /// A refusal carrying a newer term makes any role adopt it (Raft §5.1); a grant of a newer term never does, since it
    /// only echoes the pre-candidate's own request. A pre-candidate counts grants of its round (the next term) and
    /// refusals that carry no newer term.
    /// </summary>
    public static PreVoteResultAction OnResult(long currentTerm, bool preCandidate, PreVoteResult r)
    {
        if (!r.VoteGranted && r.Term > currentTerm) return PreVoteResultAction.StepDown;
        if (!preCandidate) return PreVoteResultAction.Ignore;
        var ofThisRound = r.VoteGranted ? r.Term == currentTerm + 1 : r.Term <= currentTerm;
        return ofThisRound ? PreVoteResultAction.Count : PreVoteResultAction.Ignore;
    }
}
