namespace AkkaRaft.Actors.Protocol;

/// <summary>
/// A candidate asks for a vote in <paramref name="Term"/> (Raft paper Figure 2, RequestVote RPC).
/// </summary>
/// <param name="ClusterId">The Raft group.</param>
/// <param name="From">The candidate's id.</param>
/// <param name="Term">The candidate's term.</param>
/// <param name="LastLogIndex">Index of the candidate's last log entry.</param>
/// <param name="LastLogTerm">Term of the candidate's last log entry.</param>
public sealed record RequestVote(string ClusterId, string From, long Term, long LastLogIndex, long LastLogTerm) : IRaftRequest
{
    /// <summary>
    /// The candidate campaigns because the leader handed it leadership (<see cref="TimeoutNow"/>, Raft thesis §3.10),
    /// not because it stopped hearing from a leader: voters that still hear from that leader grant it anyway.
    /// </summary>
    internal bool Transfer { get; init; }
}

/// <summary>The answer to a <see cref="RequestVote"/>.</summary>
/// <param name="ClusterId">The Raft group.</param>
/// <param name="From">The voter's id.</param>
/// <param name="Term">The voter's current term, for the candidate to update itself.</param>
/// <param name="VoteGranted">True when the voter granted its vote for <paramref name="Term"/>.</param>
public sealed record RequestVoteResult(string ClusterId, string From, long Term, bool VoteGranted) : IRaftResponse;
