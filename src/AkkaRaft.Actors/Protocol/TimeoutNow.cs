namespace AkkaRaft.Actors.Protocol;

/// <summary>
/// A leader handing over leadership tells the target, once its log is up to date, to campaign at once rather than
/// wait for its election timeout (Raft thesis §3.10). Only the current leader's message of the current term counts.
/// </summary>
/// <param name="ClusterId">The Raft group.</param>
/// <param name="From">The leader's id.</param>
/// <param name="Term">The leader's term.</param>
public sealed record TimeoutNow(string ClusterId, string From, long Term) : IRaftRequest;
