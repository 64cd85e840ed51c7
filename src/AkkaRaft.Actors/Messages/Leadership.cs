namespace AkkaRaft.Actors;

/// <summary>
/// Ask the leader to hand leadership to another voter (Raft thesis §3.10), for example before restarting it. The
/// leader brings the target's log up to date, then tells it to campaign at once; the attempt is abandoned after an
/// election timeout. The leader answers <see cref="TransferLeadershipStarted"/> or <see cref="TransferLeadershipRefused"/>;
/// any other peer answers <see cref="NotLeader"/>. Whether it succeeded shows in the next leader
/// (<see cref="RaftRoleChanged"/>, <see cref="RaftState"/>).
/// </summary>
/// <param name="Target">The voter to hand leadership to; null picks the most up-to-date other voter.</param>
public sealed record TransferLeadership(string? Target = null);

/// <summary>The leader accepted a <see cref="TransferLeadership"/>: it is handing leadership to <paramref name="Target"/>.</summary>
/// <param name="PeerId">The leader.</param>
/// <param name="Target">The voter it is handing leadership to.</param>
public sealed record TransferLeadershipStarted(string PeerId, string Target);

/// <summary>The leader refused a <see cref="TransferLeadership"/>, saying why in one line.</summary>
/// <param name="PeerId">The leader.</param>
/// <param name="Reason">Why: the target is the leader itself, or not a voter of the group.</param>
public sealed record TransferLeadershipRefused(string PeerId, string Reason);

/// <summary>
/// The leader did not append <paramref name="Proposal"/>: it is handing leadership to <paramref name="Target"/>, and
/// an entry appended now could be lost to the next term. Retry it, as after <see cref="NotLeader"/>, once the
/// transfer completes or is abandoned (within an election timeout).
/// </summary>
/// <param name="PeerId">The leader.</param>
/// <param name="Target">The voter leadership is moving to.</param>
/// <param name="Proposal">The proposal refused, so that whoever sent several can tell which.</param>
public sealed record TransferInProgress(string PeerId, string Target, Propose Proposal);
