namespace AkkaRaft.Actors.Protocol;

/// <summary>
/// A pre-candidate asks whether it could win an election in <paramref name="Term"/>, its current term plus one, before
/// it campaigns (Raft thesis §9.6). The receiver answers as it would a RequestVote, but adopts no term, records no vote
/// and keeps its election timer running.
/// </summary>
/// <param name="ClusterId">The Raft group.</param>
/// <param name="From">The pre-candidate's id.</param>
/// <param name="Term">The term it would campaign in: its current term plus one.</param>
/// <param name="LastLogIndex">Index of the pre-candidate's last log entry.</param>
/// <param name="LastLogTerm">Term of the pre-candidate's last log entry.</param>
public sealed record PreVote(string ClusterId, string From, long Term, long LastLogIndex, long LastLogTerm) : IRaftRequest;

/// <summary>The answer to a <see cref="PreVote"/>.</summary>
/// <param name="ClusterId">The Raft group.</param>
/// <param name="From">The voter's id.</param>
/// <param name="Term">The term of the request when granted; the voter's current term when refused, so a pre-candidate
/// whose term is stale learns the newer one.</param>
/// <param name="VoteGranted">True when the voter would grant its vote in the requested term.</param>
public sealed record PreVoteResult(string ClusterId, string From, long Term, bool VoteGranted) : IRaftResponse;
