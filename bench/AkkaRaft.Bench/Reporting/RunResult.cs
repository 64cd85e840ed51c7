namespace AkkaRaft.Bench;

/// <summary>
/// One throughput row: the commits of one system, mode and proposer count over the measured window
/// (<see cref="Report"/> prints and writes them).
/// </summary>
internal sealed record RunResult(string System, string Mode, int Proposers, LatencySummary Latency, GcCounters Gc, string? Failure)
{
    /// <summary>Why the first attempt at this row failed, when this is the second.</summary>
    public string? FirstAttemptFailure { get; init; }

    /// <summary>How long the load ran before the measured window opened.</summary>
    public TimeSpan WarmedUp { get; init; }

    public static RunResult From(string system, string mode, int proposers, Measurement m) =>
        new(system, mode, proposers, m.Latency, m.Gc, m.Failure) { WarmedUp = m.WarmedUp };

    /// <summary>A row that could not be measured at all (no leader, a failed start).</summary>
    public static RunResult Failed(string system, string mode, int proposers, string reason) =>
        new(system, mode, proposers, new LatencySummary(0, 0, double.NaN, double.NaN, double.NaN), default, reason);
}
