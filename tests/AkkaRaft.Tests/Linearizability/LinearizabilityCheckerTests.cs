using System.Diagnostics;
using AkkaRaft.TestKit;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Linearizability;

/// <summary>
/// The checker on histories whose verdict is known: hand-made ones in the style of the Porcupine
/// tests, and generated ones that are linearizable by construction until one read is corrupted.
/// </summary>
public sealed class LinearizabilityCheckerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    private static HistoryOperation Get(int client, string key, string read, long call, long ret) =>
        HistoryOperation.Completed(client, KvInput.Get(key), read, call, ret);

    private static HistoryOperation Put(int client, string key, string value, long call, long ret) =>
        HistoryOperation.Completed(client, KvInput.Put(key, value), null, call, ret);

    private static HistoryOperation Append(int client, string key, string value, long call, long ret) =>
        HistoryOperation.Completed(client, KvInput.Append(key, value), null, call, ret);

    private static HistoryOperation PutTimedOut(int client, string key, string value, long call) =>
        HistoryOperation.TimedOut(client, KvInput.Put(key, value), call);

    private static CheckResult Check(params HistoryOperation[] history) => LinearizabilityChecker.Check(history, Generous);

    private static void AssertOk(params HistoryOperation[] history)
    {
        var result = Check(history);
        Assert.True(result.Outcome == CheckOutcome.Ok, result.ToString());
    }

    private static CheckResult AssertIllegal(params HistoryOperation[] history)
    {
        var result = Check(history);
        Assert.True(result.Outcome == CheckOutcome.Illegal, $"expected Illegal, got {result}");
        return result;
    }

    [Fact]
    public void Sequential_history_that_follows_the_model_is_linearizable()
    {
        AssertOk(
            Get(0, "x", "", 0, 10),
            Put(0, "x", "a", 20, 30),
            Get(1, "x", "a", 40, 50),
            Append(1, "x", "b", 60, 70),
            Get(0, "x", "ab", 80, 90),
            Put(1, "x", "c", 100, 110),
            Get(0, "x", "c", 120, 130));
    }

    [Fact]
    public void Sequential_history_that_reads_a_wrong_value_is_illegal()
    {
        AssertIllegal(
            Put(0, "x", "a", 0, 10),
            Append(0, "x", "b", 20, 30),
            Get(1, "x", "ba", 40, 50));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    public void Get_concurrent_with_a_put_may_see_the_value_before_or_after_it(string read)
    {
        AssertOk(
            Put(0, "x", "1", 0, 100),
            Get(1, "x", read, 10, 20));
    }

    [Fact]
    public void Get_concurrent_with_a_put_cannot_see_a_value_nobody_wrote()
    {
        AssertIllegal(
            Put(0, "x", "1", 0, 100),
            Get(1, "x", "2", 10, 20));
    }

    [Fact]
    public void Stale_read_after_a_completed_write_is_illegal()
    {
        var result = AssertIllegal(
            Put(0, "x", "1", 0, 10),
            Put(0, "x", "2", 20, 30),
            Get(1, "x", "1", 40, 50));

        // The description names the key and the read that cannot be placed, so a failing test says why.
        Assert.Contains("\"x\"", result.Description);
        Assert.Contains("client 1: Get(\"x\") -> \"1\" [40..50]", result.Description);
    }

    [Fact]
    public void Read_that_sees_a_value_before_its_write_was_called_is_illegal()
    {
        AssertIllegal(
            Get(1, "x", "1", 0, 10),
            Put(0, "x", "1", 20, 30));
    }

    [Fact]
    public void Concurrent_appends_seen_in_both_orders_by_later_reads_are_illegal()
    {
        AssertIllegal(
            Append(0, "x", "a", 0, 10),
            Append(1, "x", "b", 0, 10),
            Get(2, "x", "ab", 20, 30),
            Get(3, "x", "ba", 40, 50));
    }

    [Fact]
    public void Concurrent_appends_seen_in_one_consistent_order_are_linearizable()
    {
        AssertOk(
            Append(0, "x", "a", 0, 100),
            Append(1, "x", "b", 0, 100),
            Append(2, "x", "c", 50, 150),
            Get(3, "x", "b", 10, 20),
            Get(4, "x", "ba", 60, 70),
            Get(3, "x", "bac", 200, 210),
            Get(4, "x", "bac", 220, 230));
    }

    [Fact]
    public void Timed_out_put_that_took_effect_is_linearizable()
    {
        AssertOk(
            Put(0, "x", "0", 0, 5),
            PutTimedOut(1, "x", "1", 10),
            Get(2, "x", "1", 1000, 1010),
            Get(2, "x", "1", 2000, 2010));
    }

    [Fact]
    public void Timed_out_put_that_never_took_effect_is_linearizable()
    {
        AssertOk(
            Put(0, "x", "0", 0, 5),
            PutTimedOut(1, "x", "1", 10),
            Get(2, "x", "0", 1000, 1010),
            Get(2, "x", "0", 2000, 2010));
    }

    [Fact]
    public void Timed_out_put_seen_by_one_read_and_not_by_a_later_one_is_illegal()
    {
        AssertIllegal(
            Put(0, "x", "0", 0, 5),
            PutTimedOut(1, "x", "1", 10),
            Get(2, "x", "1", 1000, 1010),
            Get(2, "x", "0", 2000, 2010));
    }

    [Fact]
    public void Timed_out_put_cannot_be_seen_before_it_was_called()
    {
        AssertIllegal(
            Get(2, "x", "1", 0, 5),
            PutTimedOut(1, "x", "1", 10));
    }

    [Fact]
    public void Timed_out_get_is_not_checked()
    {
        AssertOk(
            Put(0, "x", "0", 0, 5),
            HistoryOperation.TimedOut(1, KvInput.Get("x"), 10) with { Output = "never written" },
            Get(2, "x", "0", 1000, 1010));
    }

    [Fact]
    public void Keys_are_independent_registers()
    {
        // Under a single-register model the reads of "" would be stale; per key they are right.
        AssertOk(
            Put(0, "x", "1", 0, 10),
            Get(1, "y", "", 20, 30),
            Append(1, "y", "2", 40, 50),
            Get(0, "x", "1", 60, 70),
            Get(0, "z", "", 60, 70),
            Get(1, "y", "2", 80, 90));
    }

    [Fact]
    public void Illegal_key_among_legal_ones_is_the_one_reported()
    {
        var result = AssertIllegal(
            Put(0, "x", "1", 0, 10),
            Put(1, "y", "1", 0, 10),
            Get(0, "x", "1", 20, 30),
            Put(1, "y", "2", 20, 30),
            Get(0, "y", "1", 40, 50));

        Assert.StartsWith("key \"y\"", result.Description);
    }

    [Fact]
    public void Check_that_runs_out_of_time_says_unknown()
    {
        var history = HistoryGenerator.Generate(new(Clients: 4, Keys: 2, Operations: 100, Seed: 1));

        Assert.Equal(CheckOutcome.Unknown, LinearizabilityChecker.Check(history, TimeSpan.Zero).Outcome);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Generated_history_is_linearizable_until_one_read_is_corrupted(int seed)
    {
        var history = HistoryGenerator.Generate(new(
            Clients: 8, Keys: 3, Operations: 600, Seed: seed, TimeoutProbability: 0.02));
        var rng = new Random(seed);

        var clean = LinearizabilityChecker.Check(history, Generous);
        Assert.True(clean.Outcome == CheckOutcome.Ok, clean.ToString());

        // A value no Put or Append could produce.
        var unwritten = CorruptOneRead(history, rng, (_, _) => "never written;");
        Assert.Equal(CheckOutcome.Illegal, LinearizabilityChecker.Check(unwritten, Generous).Outcome);

        // A value that was overwritten before the read began: a stale read.
        var stale = CorruptOneRead(history, rng, StaleValueFor);
        var result = LinearizabilityChecker.Check(stale, Generous);
        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        output.WriteLine(result.Description);
    }

    [Fact]
    public void Generated_history_of_5000_operations_over_10_keys_checks_quickly()
    {
        var history = HistoryGenerator.Generate(new(
            Clients: 20, Keys: 10, Operations: 5000, Seed: 42, TimeoutProbability: 0.01));

        var elapsed = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(history, Generous);
        elapsed.Stop();

        output.WriteLine($"{history.Count} operations over 10 keys, 20 clients: {result.Outcome} in {elapsed.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(result.Outcome == CheckOutcome.Ok, result.ToString());
    }

    [Fact]
    public void Generated_history_of_20_clients_on_one_key_checks_in_seconds()
    {
        var history = HistoryGenerator.Generate(new(
            Clients: 20, Keys: 1, Operations: 400, Seed: 7, TimeoutProbability: 0.01));

        var elapsed = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(history, Generous);
        elapsed.Stop();

        output.WriteLine($"{history.Count} operations on 1 key, 20 clients: {result.Outcome} in {elapsed.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(result.Outcome == CheckOutcome.Ok, result.ToString());
    }

    /// <summary>
    /// The lab's UnreliableOneKey: clients append concurrently to one key and only a final Get observes the order.
    /// Here the real order within each round is the reverse of the intervals' midpoints, so every guess is wrong.
    /// </summary>
    private static List<HistoryOperation> ConcurrentAppendsReadAtTheEnd(int clients, int rounds, Func<string, string> corrupt)
    {
        var history = new List<HistoryOperation>();
        var value = "";
        for (var n = 0; n < rounds; n++)
        {
            for (var c = clients - 1; c >= 0; c--)
            {
                var token = $"x {c} {n} y";
                history.Add(Append(c, "k", token, n * 100 + c * 3, n * 100 + 90 + c * 3));
                value += token;
            }
        }
        history.Add(Get(clients, "k", corrupt(value), rounds * 100 + 50, rounds * 100 + 60));
        return history;
    }

    [Fact]
    public void Concurrent_appends_observed_only_by_a_final_read_check_quickly()
    {
        var elapsed = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(ConcurrentAppendsReadAtTheEnd(5, 10, v => v), TimeSpan.FromSeconds(5));
        output.WriteLine($"50 concurrent appends, one final read: {result.Outcome} in {elapsed.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(result.Outcome == CheckOutcome.Ok, result.ToString());

        // A token duplicated at the end: no order of the appends spells it.
        var illegal = LinearizabilityChecker.Check(ConcurrentAppendsReadAtTheEnd(5, 10, v => v + "x 0 9 y"), TimeSpan.FromSeconds(5));
        Assert.True(illegal.Outcome == CheckOutcome.Illegal, illegal.ToString());
    }

    [Fact]
    public void Long_sequential_history_of_one_key_checks_quickly()
    {
        // One client, one key, 5,000 appends each followed by a Get of the whole value: a single order is possible.
        var history = new List<HistoryOperation>();
        var value = "";
        long t = 0;
        for (var i = 0; i < 5_000; i++)
        {
            var token = $"x 0 {i} y";
            history.Add(Append(0, "k", token, t, t + 5));
            value += token;
            history.Add(Get(0, "k", value, t + 10, t + 15));
            t += 20;
        }

        var elapsed = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(history, TimeSpan.FromSeconds(10));
        output.WriteLine($"{history.Count} sequential operations: {result.Outcome} in {elapsed.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(result.Outcome == CheckOutcome.Ok, result.ToString());
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(5), $"took {elapsed.Elapsed}");

        // The same with one stale read in the middle is still found.
        history[1_001] = history[1_001] with { Output = history[999].Output };
        Assert.Equal(CheckOutcome.Illegal, LinearizabilityChecker.Check(history, TimeSpan.FromSeconds(30)).Outcome);
    }

    [Fact]
    public void Agrees_with_a_brute_force_search_on_small_random_histories()
    {
        // The definition itself (Herlihy & Wing): try every order consistent with real time. The prunings
        // in the checker must never change a verdict, only how fast it is reached.
        var rng = new Random(2024);
        int ok = 0, illegal = 0;
        for (var round = 0; round < 3000; round++)
        {
            var history = SmallRandomHistory(rng);
            var expected = BruteForceLinearizable(history) ? CheckOutcome.Ok : CheckOutcome.Illegal;
            var actual = LinearizabilityChecker.Check(history, Generous).Outcome;
            Assert.True(expected == actual,
                $"round {round}: brute force says {expected}, checker says {actual} on{Environment.NewLine}{string.Join(Environment.NewLine, history)}");
            if (expected == CheckOutcome.Ok)
                ok++;
            else
                illegal++;
        }

        output.WriteLine($"{ok} linearizable, {illegal} not");
        // Both verdicts must be well represented, or the comparison proves little.
        Assert.True(ok > 500 && illegal > 500, $"{ok} linearizable, {illegal} not");
    }

    /// <summary>Up to 7 operations on two keys with overlapping times and reads of plausible values, some timed out.</summary>
    private static HistoryOperation[] SmallRandomHistory(Random rng)
    {
        string[] keys = ["x", "y"];
        string[] reads = ["", "a", "b", "c", "ac", "bc", "cc", "acc", "bcc"];
        var history = new HistoryOperation[1 + rng.Next(7)];
        for (var i = 0; i < history.Length; i++)
        {
            var key = keys[rng.Next(history.Length > 4 ? 2 : 1)];
            var input = rng.Next(3) switch
            {
                0 => KvInput.Get(key),
                1 => KvInput.Put(key, rng.Next(2) == 0 ? "a" : "b"),
                _ => KvInput.Append(key, "c"),
            };
            long call = rng.Next(20);
            history[i] = rng.Next(8) == 0
                ? HistoryOperation.TimedOut(i % 3, input, call)
                : HistoryOperation.Completed(i % 3, input, input.Kind == KvOpKind.Get ? reads[rng.Next(reads.Length)] : null, call, call + 1 + rng.Next(10));
        }

        return history;
    }

    private static bool BruteForceLinearizable(HistoryOperation[] history)
    {
        var placed = new bool[history.Length];

        bool Extend(Dictionary<string, string> store)
        {
            if (Enumerable.Range(0, history.Length).All(i => placed[i] || history[i].OutcomeUnknown))
                return true;
            for (var i = 0; i < history.Length; i++)
            {
                // i may come next unless some other pending operation returned before i was called.
                var op = history[i];
                if (placed[i] || Enumerable.Range(0, history.Length).Any(j => !placed[j] && history[j].ReturnTime < op.CallTime))
                    continue;
                var current = store.GetValueOrDefault(op.Input.Key, "");
                if (op.Input.Kind == KvOpKind.Get && !op.OutcomeUnknown && op.Output != current)
                    continue;
                var next = new Dictionary<string, string>(store);
                if (op.Input.Kind == KvOpKind.Put)
                    next[op.Input.Key] = op.Input.Value;
                else if (op.Input.Kind == KvOpKind.Append)
                    next[op.Input.Key] = current + op.Input.Value;
                placed[i] = true;
                var found = Extend(next);
                placed[i] = false;
                if (found)
                    return true;
            }

            return false;
        }

        return Extend(new Dictionary<string, string>());
    }

    /// <summary>
    /// A copy of <paramref name="history"/> with one completed Get, chosen at random among those
    /// <paramref name="wrongValue"/> has a value for, reading that value instead.
    /// </summary>
    private static List<HistoryOperation> CorruptOneRead(
        List<HistoryOperation> history, Random rng, Func<List<HistoryOperation>, HistoryOperation, string?> wrongValue)
    {
        var choices = history
            .Select((op, i) => (op, i, value: op.Input.Kind == KvOpKind.Get && !op.OutcomeUnknown ? wrongValue(history, op) : null))
            .Where(c => c.value is not null)
            .ToList();
        Assert.NotEmpty(choices);
        var (read, index, value) = choices[rng.Next(choices.Count)];
        var corrupted = new List<HistoryOperation>(history) { [index] = read with { Output = value } };
        return corrupted;
    }

    /// <summary>
    /// The value of a completed Put p followed by a completed write w that began after p returned and
    /// returned before <paramref name="read"/> began. In every linearization p, w, read come in that
    /// order; Put values are unique tokens, so only p itself can set the key to p's value: the read
    /// cannot see it.
    /// </summary>
    private static string? StaleValueFor(List<HistoryOperation> history, HistoryOperation read)
    {
        var writes = history
            .Where(o => o.Input.Key == read.Input.Key && o.Input.Kind != KvOpKind.Get && !o.OutcomeUnknown)
            .ToList();
        var put = writes.FirstOrDefault(p => p.Input.Kind == KvOpKind.Put
            && writes.Any(w => p.ReturnTime < w.CallTime && w.ReturnTime < read.CallTime));
        return put is null || put.Input.Value == read.Output ? null : put.Input.Value;
    }
}
