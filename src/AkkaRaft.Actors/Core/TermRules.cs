using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Persistence;

namespace AkkaRaft.Actors.Core;

/// <summary>Figure 2, "Rules for Servers: all servers": what a message of another term does, whatever the role.</summary>
internal static class TermRules
{
    /// <summary>
    /// Raft §5.1: a request of an older term is refused with the current term, from which its sender learns it is
    /// stale; nothing is written. A stale answer is merely late, and dropped.
    /// </summary>
    public static Step AnswerStale(in PeerView peer, IRaftMessage message) => message switch
    {
        RequestVote rv => Step.Send(rv.From, new RequestVoteResult(peer.ClusterId, peer.Id, peer.CurrentTerm, false)),
        AppendEntries ae => Step.Send(ae.From, new AppendEntriesResult(peer.ClusterId, peer.Id, peer.CurrentTerm, false, 0, ae.PrevLogIndex, 0, 0)),
        InstallSnapshot s => Step.Send(s.From, new InstallSnapshotResult(peer.ClusterId, peer.Id, peer.CurrentTerm, s.LastIncludedIndex, 0, false)),
        _ => default,
    };

    /// <summary>
    /// Raft §5.1: a newer term makes any role a follower of that term, with no vote yet, durably, before the message
    /// that brought it is handled. It does not restart the election timer: only a leader's message or a granted vote
    /// holds off an election (Figure 2, Followers), so a refused stale candidate cannot delay the peer that can win.
    /// </summary>
    public static Step StepDown(IRaftMessage message) =>
        Step.Hold(new HardStateChanged(message.Term, null)) with { Role = RaftRole.Follower, ThenHandle = message };
}
