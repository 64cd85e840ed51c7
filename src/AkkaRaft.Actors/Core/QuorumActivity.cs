using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors.Core;

/// <summary>
/// Check-quorum and the vote lease: a leader that no longer hears from a majority steps down, and a peer that hears
/// from a leader does not help a newer term depose it (Raft thesis §6.2 and §9.6; etcd's CheckQuorum).
/// </summary>
internal static class QuorumActivity
{
    /// <summary>
    /// At each check (every election-timeout-min): a leader that heard from enough voters since the last check, itself
    /// counted as one, stays; otherwise it steps down to follower at its term, so its clients move on. Every voter's
    /// activity flag is reset for the next period either way.
    /// </summary>
    /// <param name="voters">The progress of every other voter (learners do not count).</param>
    /// <param name="needed">Answers needed, the leader's own included: a majority of the voters, one more when the leader is not one (thesis §4.2.2).</param>
    public static Step Check(IEnumerable<FollowerProgress> voters, int needed)
    {
        var active = 1; // the leader hears itself
        foreach (var follower in voters)
        {
            if (follower.RecentActive) active++;
            follower.RecentActive = false;
        }
        return active >= needed ? default : new Step { Role = RaftRole.Follower };
    }

    /// <summary>
    /// The vote lease: while <paramref name="inLease"/> (it heard from a leader of <paramref name="leaseTerm"/> within
    /// the minimum election timeout, or is that leader), a peer ignores a RequestVote or PreVote of a newer term than the
    /// leader's: it adopts no term and sends no answer, so a peer that rejoins with a raised term cannot depose a leader
    /// that still serves a majority. Newer than the leader's term, not this peer's: a peer that adopted a newer term from
    /// another message still owes the leader it heard its refusal.
    /// </summary>
    public static bool LeaseIgnores(IRaftMessage message, long leaseTerm, bool inLease) =>
        inLease && message is RequestVote or PreVote && message.Term > leaseTerm && !CampaignsByLeadershipTransfer(message);

    /// <summary>
    /// Whether the request belongs to a campaign the leader itself asked for (leadership transfer, Raft thesis §3.10):
    /// such a campaign gets past the lease, and it alone does.
    /// </summary>
    internal static bool CampaignsByLeadershipTransfer(IRaftMessage message) => message is RequestVote { Transfer: true };
}
