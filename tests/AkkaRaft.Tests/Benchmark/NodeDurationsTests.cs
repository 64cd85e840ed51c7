using AkkaRaft.Bench;

namespace AkkaRaft.Tests.Benchmark;

/// <summary>The process row's per-node durations: read from a node's Prometheus page, and described as a mean over the window.</summary>
public sealed class NodeDurationsTests
{
    /// <summary>
    /// A node's page: the journal-write histogram under two label sets (the second's sum and count fixed at 0.001 s
    /// and 5), the apply histogram, and lines that are no histogram's sum or count.
    /// </summary>
    private static string Page(double journalSum, long journalCount) => FormattableString.Invariant($$"""
        # TYPE raft_journal_write_duration_seconds histogram
        raft_journal_write_duration_seconds_bucket{raft_node="n1",le="0.0001"} 2
        raft_journal_write_duration_seconds_sum{raft_node="n1"} {{journalSum}}
        raft_journal_write_duration_seconds_count{raft_node="n1"} {{journalCount}}
        raft_journal_write_duration_seconds_sum{raft_node="n1",other="x"} 0.001
        raft_journal_write_duration_seconds_count{raft_node="n1",other="x"} 5
        raft_apply_duration_seconds_sum{raft_node="n1"} 0.5
        raft_apply_duration_seconds_count{raft_node="n1"} 4
        raft_proposals_total{raft_node="n1"} 99
        """);

    private static readonly string Before = Page(0.002, 10);

    private static readonly string After = Page(0.008, 20);

    [Fact]
    public void A_page_gives_each_histogram_in_seconds_its_sum_and_count_over_all_label_sets()
    {
        var histograms = NodeDurations.Parse(Before.Replace("\n", "\r\n"));

        Assert.Equal(2, histograms.Count); // counters and buckets are not histograms' sums or counts
        Assert.Equal((0.003, 15.0), (Math.Round(histograms["raft_journal_write_duration"].Sum, 9), histograms["raft_journal_write_duration"].Count));
        Assert.Equal((0.5, 4.0), histograms["raft_apply_duration"]);
    }

    [Fact]
    public void The_mean_is_over_what_was_recorded_between_the_readings_and_a_quiet_histogram_is_left_out()
    {
        var lines = NodeDurations.Describe("n1 (leader)", NodeDurations.Parse(Before), NodeDurations.Parse(After)).ToList();

        // 10 more writes taking 6 ms in all: 600 µs each; nothing applied in between.
        Assert.Equal(["n1 (leader) raft_journal_write_duration: mean 600.0 µs over 10"], lines);
    }
}
