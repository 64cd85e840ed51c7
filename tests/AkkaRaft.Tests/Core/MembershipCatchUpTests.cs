using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Core;

/// <summary>A learner's catch-up before promotion (<see cref="CatchUpRounds"/>): election timeout 300 ms, at most 3 rounds.</summary>
public sealed class MembershipCatchUpTests
{
    private static readonly TimeSpan ElectionTimeout = TimeSpan.FromMilliseconds(300);

    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    private static CatchUpRounds Start(long leaderLastIndex) => new(ElectionTimeout, maxRounds: 3, leaderLastIndex, Ms(0));

    [Theory]
    [InlineData(299, "CaughtUp")]
    [InlineData(300, "Replicating")] // an election timeout is too slow: another round
    public void A_round_shorter_than_an_election_timeout_means_caught_up(int at, string expected)
    {
        // Reference: Raft thesis §4.2.1 (if the last round lasts less than an election timeout, the server is added)
        var rounds = Start(leaderLastIndex: 100);

        Assert.Equal(CatchUpState.Replicating, rounds.Observe(99, 150, Ms(at - 1), lastHeard: Ms(at - 1)));
        Assert.Equal(Enum.Parse<CatchUpState>(expected), rounds.Observe(100, 150, Ms(at), lastHeard: Ms(at)));
    }

    [Fact]
    public void A_slow_round_starts_the_next_one_at_what_the_leader_holds_then()
    {
        // Reference: Raft thesis §4.2.1 (each round replicates the entries the leader held when it started; entries that
        // arrive meanwhile go in the next round)
        var rounds = Start(leaderLastIndex: 100);

        rounds.Observe(100, 180, Ms(1000), lastHeard: Ms(1000));

        Assert.Equal((2, 180L, Ms(1000)), (rounds.Round, rounds.Target, rounds.RoundStarted));
        Assert.Equal(CatchUpState.Replicating, rounds.Observe(170, 200, Ms(1100), lastHeard: Ms(1100)));
        Assert.Equal(CatchUpState.CaughtUp, rounds.Observe(180, 200, Ms(1200), lastHeard: Ms(1200)));
    }

    [Fact]
    public void After_the_last_round_allowed_is_slow_the_learner_did_not_catch_up()
    {
        // Reference: Raft thesis §4.2.1 (wait a fixed number of rounds; if the last is still slow, abort the change)
        var rounds = Start(leaderLastIndex: 100);
        rounds.Observe(100, 200, Ms(400), lastHeard: Ms(400));
        rounds.Observe(200, 300, Ms(800), lastHeard: Ms(800));
        Assert.Equal(3, rounds.Round);

        Assert.Equal(CatchUpState.DidNotCatchUp, rounds.Observe(300, 400, Ms(1200), lastHeard: Ms(1200)));
        Assert.Equal(CatchUpState.DidNotCatchUp, rounds.Observe(400, 400, Ms(1201), lastHeard: Ms(1201))); // final
        Assert.Equal(3, rounds.Round);
    }

    [Fact]
    public void The_last_round_fails_as_soon_as_it_can_no_longer_end_in_time()
    {
        // Reference: Raft thesis §4.2.1 (abort if the new server is so slow it will never catch up)
        var rounds = new CatchUpRounds(ElectionTimeout, maxRounds: 1, leaderLastIndex: 100, Ms(0));

        Assert.Equal(CatchUpState.Replicating, rounds.Observe(50, 100, Ms(299), lastHeard: Ms(299)));
        Assert.Equal(CatchUpState.DidNotCatchUp, rounds.Observe(60, 100, Ms(300), lastHeard: Ms(300)));
    }

    [Fact]
    public void A_learner_not_heard_from_for_an_election_timeout_is_unavailable()
    {
        // Reference: Raft thesis §4.2.1 (abort the change if the new server is unavailable); without this an earlier,
        // never-ending round would hold the change up for good
        var rounds = Start(leaderLastIndex: 100);
        rounds.Observe(10, 100, Ms(200), lastHeard: Ms(200));

        Assert.Equal(CatchUpState.Replicating, rounds.Observe(10, 100, Ms(499), lastHeard: Ms(200)));
        Assert.Equal(CatchUpState.Unavailable, rounds.Observe(10, 100, Ms(500), lastHeard: Ms(200)));
        Assert.Equal(1, rounds.Round);
    }

    [Fact]
    public void Silence_counts_from_the_start_of_catch_up_not_from_before_it()
    {
        // Reference: Raft thesis §4.2.1 (a learner may have been idle before the leader starts catching it up)
        var rounds = new CatchUpRounds(ElectionTimeout, maxRounds: 3, leaderLastIndex: 100, Ms(10_000));

        Assert.Equal(CatchUpState.Replicating, rounds.Observe(0, 100, Ms(10_299), lastHeard: null));
        Assert.Equal(CatchUpState.Replicating, rounds.Observe(0, 100, Ms(10_299), lastHeard: Ms(5_000)));
        Assert.Equal(CatchUpState.Unavailable, rounds.Observe(0, 100, Ms(10_300), lastHeard: null));
    }

    [Fact]
    public void A_learner_that_holds_the_next_target_already_is_caught_up()
    {
        // Reference: Raft thesis §4.2.1 (with nothing new appended during a slow round, the next round is empty)
        var rounds = Start(leaderLastIndex: 100);

        Assert.Equal(CatchUpState.CaughtUp, rounds.Observe(100, 100, Ms(5000), lastHeard: Ms(5000)));
        Assert.Equal(2, rounds.Round);
    }

    [Fact]
    public void Rounds_and_timeouts_must_make_sense()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CatchUpRounds(ElectionTimeout, 0, 1, Ms(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CatchUpRounds(TimeSpan.Zero, 3, 1, Ms(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Start(1).Observe(0, 1, Ms(-1), null));
    }
}
