namespace AkkaRaft.Actors.Core;

/// <summary>Where a learner's catch-up stands.</summary>
internal enum CatchUpState
{
    /// <summary>A round is under way.</summary>
    Replicating,

    /// <summary>A round took less than an election timeout: the learner may be promoted.</summary>
    CaughtUp,

    /// <summary>The last round allowed took an election timeout or longer: the change is aborted.</summary>
    DidNotCatchUp,

    /// <summary>The learner was not heard from for an election timeout: it is down or cut off, and the change is aborted.</summary>
    Unavailable,
}

/// <summary>
/// Whether a learner has caught up with the leader well enough to be made a voter (Raft thesis §4.2.1). Catch-up goes
/// in rounds: each round replicates what the leader's log held when it started, while new entries wait for the next
/// round. A round that ends within an election timeout shows the learner is close enough that promoting it will not
/// leave the group unable to commit for longer than an election would; a slower round starts another, up to a
/// maximum, after which the learner did not catch up. A round ends only when the learner holds its target, so a
/// learner that stops answering would hold the change up for good; one not heard from for an election timeout is
/// given up on (thesis §4.2.1: abort "if the new server is unavailable"). Pure bookkeeping: time is passed in, on a
/// monotonic clock.
/// </summary>
internal sealed class CatchUpRounds
{
    private readonly TimeSpan _electionTimeout;
    private readonly TimeSpan _started;

    /// <summary>Starts the first round at <paramref name="now"/>, up to <paramref name="leaderLastIndex"/>.</summary>
    /// <param name="electionTimeout">How long a round may take and still count as caught up.</param>
    /// <param name="maxRounds">Rounds allowed before giving up (at least 1).</param>
    /// <param name="leaderLastIndex">The leader's last log index now: the first round's target.</param>
    /// <param name="now">The time on the leader's monotonic clock.</param>
    public CatchUpRounds(TimeSpan electionTimeout, int maxRounds, long leaderLastIndex, TimeSpan now)
    {
        if (electionTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(electionTimeout), electionTimeout, "must be positive");
        if (maxRounds < 1) throw new ArgumentOutOfRangeException(nameof(maxRounds), maxRounds, "must be at least 1");
        _electionTimeout = electionTimeout;
        _started = now;
        MaxRounds = maxRounds;
        Round = 1;
        Target = leaderLastIndex;
        RoundStarted = now;
    }

    /// <summary>The round under way (or the last one), from 1.</summary>
    public int Round { get; private set; }

    /// <summary>Rounds allowed.</summary>
    public int MaxRounds { get; }

    /// <summary>The index the learner must hold to end this round: the leader's last index when the round started.</summary>
    public long Target { get; private set; }

    /// <summary>When this round started.</summary>
    public TimeSpan RoundStarted { get; private set; }

    /// <summary>Where the catch-up stands; once it is no longer <see cref="CatchUpState.Replicating"/>, it stays.</summary>
    public CatchUpState State { get; private set; } = CatchUpState.Replicating;

    /// <summary>
    /// What the leader knows at <paramref name="now"/>: the learner holds up to <paramref name="learnerMatch"/>, was
    /// last heard from at <paramref name="lastHeard"/> (null: not yet), and the leader's log ends at
    /// <paramref name="leaderLastIndex"/>. Call it on every answer from the learner and on every heartbeat tick, so a
    /// silent learner is given up on. Returns the state it leaves.
    /// </summary>
    public CatchUpState Observe(long learnerMatch, long leaderLastIndex, TimeSpan now, TimeSpan? lastHeard)
    {
        if (State != CatchUpState.Replicating) return State;
        if (now < RoundStarted)
            throw new ArgumentOutOfRangeException(nameof(now), now, $"the clock went back before the round's start {RoundStarted}");
        var took = now - RoundStarted;
        if (learnerMatch >= Target)
        {
            if (took < _electionTimeout) return State = CatchUpState.CaughtUp;
            if (Round == MaxRounds) return State = CatchUpState.DidNotCatchUp;
            Round++;
            Target = leaderLastIndex;
            RoundStarted = now;
            // Nothing was appended during the slow round: the learner already holds the next round's target.
            if (learnerMatch >= Target) return State = CatchUpState.CaughtUp;
            return State;
        }
        // The last round can no longer end in time: no need to wait for it to end.
        if (Round == MaxRounds && took >= _electionTimeout) return State = CatchUpState.DidNotCatchUp;
        // Silence counts from the start of catch-up at the earliest: a learner idle before it is not held to account.
        var heard = lastHeard is { } h && h > _started ? h : _started;
        if (now - heard >= _electionTimeout) return State = CatchUpState.Unavailable;
        return State;
    }
}
