using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;

namespace AkkaRaft.Tests.Core;

/// <summary>Check-quorum and the vote lease as plain rules (<see cref="QuorumActivity"/>).</summary>
public sealed class QuorumActivityTests
{
    /// <summary>Which followers answered since the last check; whether the leader keeps its role.</summary>
    public static TheoryData<bool[], bool> Activity() => new()
    {
        { [true, true], true },
        { [true, false], true },               // 2 of 3, itself included
        { [false, false], false },
        { [true, true, false, false], true },  // 3 of 5
        { [true, false, false, false], false }, // 2 of 5
        { [], true },                           // a group of one
    };

    [Theory]
    [MemberData(nameof(Activity))]
    public void A_leader_that_heard_from_no_majority_since_the_last_check_steps_down_to_follower(bool[] active, bool keepsRole)
    {
        // Reference: Raft thesis §6.2 (a leader steps down when an election timeout passes without a round of heartbeats
        // to a majority), §9.6
        var followers = active.Select(a => new FollowerProgress(1, 1) { RecentActive = a }).ToArray();

        var step = QuorumActivity.Check(followers, QuorumMath.Majority(active.Length + 1));

        Assert.Equal(keepsRole ? null : RaftRole.Follower, step.Role);
        Assert.Empty(step.Events); // the term is unchanged: nothing to write
        Assert.All(followers, f => Assert.False(f.RecentActive)); // the next period starts from nothing
    }

    public static TheoryData<IRaftMessage, bool, bool> Lease() => new()
    {
        { new RequestVote("c", "n2", 5, 0, 0), true, true },
        { new PreVote("c", "n2", 5, 0, 0), true, true },
        { new RequestVote("c", "n2", 5, 0, 0), false, false }, // no lease: answered as Figure 2 says
        { new RequestVote("c", "n2", 4, 0, 0), true, false },  // the current term: the lease is about newer ones
        { new PreVote("c", "n2", 4, 0, 0), true, false },
        { new AppendEntries("c", "n2", 5, 0, 0, [], 0), true, false }, // a newer leader is always followed
        { new RequestVoteResult("c", "n2", 5, false), true, false },
    };

    [Theory]
    [MemberData(nameof(Lease))]
    public void The_vote_lease_ignores_only_requests_to_vote_in_a_newer_term(IRaftMessage message, bool inLease, bool ignored)
    {
        // Reference: Raft thesis §9.6 (a server that heard from a leader within the minimum election timeout disregards
        // RequestVote), §4.2.3
        Assert.Equal(ignored, QuorumActivity.LeaseIgnores(message, 4, inLease));
    }
}
