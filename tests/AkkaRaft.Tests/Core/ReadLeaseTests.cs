using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Core;

/// <summary>The read lease (Raft thesis §6.4.1) as plain bookkeeping: a leader of {n1, n2, n3} with election-timeout-min 300 ms and a 50 ms drift bound.</summary>
public sealed class ReadLeaseTests
{
    private static readonly string[] Others = ["n2", "n3"];
    private const int Majority = 2;
    private static readonly TimeSpan ElectionTimeoutMin = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Drift = TimeSpan.FromMilliseconds(50);

    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    private static ReadLease Lease() => new(ElectionTimeoutMin, Drift);

    [Fact]
    public void Without_an_echo_from_a_majority_there_is_no_lease()
    {
        // Reference: Raft thesis §6.4.1 (the lease rests on heartbeats a majority acknowledged)
        var lease = Lease();
        lease.RoundStarted(1, Ms(0));

        Assert.False(lease.Holds(Others, Majority, Ms(1)));
        lease.Acknowledged("n2", 1);
        Assert.True(lease.Holds(Others, Majority, Ms(1)));
    }

    [Theory]
    [InlineData(249, true)]
    [InlineData(250, false)] // election-timeout-min minus the drift bound after the round started
    public void The_lease_runs_from_when_the_acknowledged_round_started(int now, bool holds)
    {
        // Reference: Raft thesis §6.4.1 (the lease starts when the heartbeat was sent, not when its answer came,
        // and ends the clock-drift bound before the followers' election timeout)
        var lease = Lease();
        lease.RoundStarted(1, Ms(0));
        lease.Acknowledged("n2", 1); // however late the echo arrives, the follower may have heard it at 0 ms

        Assert.Equal(holds, lease.Holds(Others, Majority, Ms(now)));
    }

    [Fact]
    public void Each_later_round_a_majority_echoes_extends_the_lease()
    {
        // Reference: Raft thesis §6.4.1 (each heartbeat round renews the lease)
        var lease = Lease();
        lease.RoundStarted(1, Ms(0));
        lease.Acknowledged("n2", 1);
        lease.RoundStarted(2, Ms(100));
        Assert.False(lease.Holds(Others, Majority, Ms(260)));

        lease.Acknowledged("n3", 2);
        Assert.True(lease.Holds(Others, Majority, Ms(340)));
        Assert.False(lease.Holds(Others, Majority, Ms(350)));
    }

    [Fact]
    public void An_echo_of_an_older_round_does_not_move_a_followers_lease_back()
    {
        // Reference: Raft thesis §6.4.1 (answers may arrive out of order)
        var lease = Lease();
        lease.RoundStarted(1, Ms(0));
        lease.RoundStarted(2, Ms(100));
        lease.Acknowledged("n2", 2);
        lease.Acknowledged("n2", 1);

        Assert.True(lease.Holds(Others, Majority, Ms(340)));
    }

    [Fact]
    public void An_echo_of_a_round_never_started_is_ignored()
    {
        // Reference: every answer from the wire is untrusted (a round from the future proves nothing)
        var lease = Lease();
        lease.RoundStarted(1, Ms(0));
        lease.Acknowledged("n2", 7);
        Assert.False(lease.Holds(Others, Majority, Ms(1)));
    }

    [Fact]
    public void In_five_voters_two_followers_must_have_echoed()
    {
        // Reference: Raft thesis §6.4.1 (a majority, the leader included)
        string[] others = ["n2", "n3", "n4", "n5"];
        var lease = Lease();
        lease.RoundStarted(1, Ms(0));
        lease.Acknowledged("n4", 1);
        Assert.False(lease.Holds(others, 3, Ms(1)));
        lease.Acknowledged("n5", 1);
        Assert.True(lease.Holds(others, 3, Ms(1)));
    }

    [Fact]
    public void A_lone_peer_holds_the_lease_by_itself()
    {
        // Reference: Raft thesis §6.4.1 (a group of one is its own majority)
        Assert.True(Lease().Holds(Array.Empty<string>(), 1, Ms(10_000)));
    }

    [Fact]
    public void A_cleared_lease_forgets_every_echo_and_round()
    {
        // Reference: Raft thesis §6.4.1 (a new term, or a hand-over, starts from nothing)
        var lease = Lease();
        lease.RoundStarted(1, Ms(0));
        lease.Acknowledged("n2", 1);
        lease.Clear();

        Assert.False(lease.Holds(Others, Majority, Ms(1)));
        lease.RoundStarted(2, Ms(10));
        lease.Acknowledged("n2", 1); // a round of before
        Assert.False(lease.Holds(Others, Majority, Ms(11)));
    }

    [Fact]
    public void Rounds_too_old_to_extend_the_lease_are_forgotten()
    {
        // Reference: bounded memory on a leader whose followers do not answer
        var lease = Lease();
        for (var round = 1; round <= 1000; round++) lease.RoundStarted(round, Ms(round * 100));
        lease.Acknowledged("n2", 10); // started at 1 s, long before 100 s
        Assert.False(lease.Holds(Others, Majority, Ms(100_000)));
        lease.Acknowledged("n2", 1000);
        Assert.True(lease.Holds(Others, Majority, Ms(100_000)));
    }

    [Fact]
    public void A_drift_bound_as_long_as_the_election_timeout_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReadLease(ElectionTimeoutMin, ElectionTimeoutMin));
    }
}
