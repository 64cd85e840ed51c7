using AkkaRaft.TestKit;
namespace AkkaRaft.Tests.Linearizability;

/// <summary>The recorder that turns concurrent clients into a history the checker reads.</summary>
public sealed class HistoryRecorderTests
{
    [Fact]
    public void Recorder_stamps_call_and_return_times_from_its_clock()
    {
        long now = 0;
        var recorder = new HistoryRecorder(() => now);

        now = 5;
        var put = recorder.Begin(1, KvInput.Put("x", "a"));
        now = 7;
        var get = recorder.Begin(2, KvInput.Get("x"));
        now = 9;
        recorder.End(put, null);
        now = 12;
        recorder.End(get, "a");

        Assert.Equal(
            new[]
            {
                new HistoryOperation(1, KvInput.Put("x", "a"), null, 5, 9),
                new HistoryOperation(2, KvInput.Get("x"), "a", 7, 12),
            },
            recorder.History);
    }

    [Fact]
    public void Timed_out_and_in_flight_operations_have_unknown_outcome()
    {
        long now = 0;
        var recorder = new HistoryRecorder(() => now++);

        recorder.TimedOut(recorder.Begin(1, KvInput.Put("x", "a")));
        recorder.Begin(2, KvInput.Append("x", "b"));

        Assert.All(recorder.History, op => Assert.True(op.OutcomeUnknown, op.ToString()));
    }

    [Fact]
    public void Operation_cannot_end_twice()
    {
        var recorder = new HistoryRecorder();
        var put = recorder.Begin(1, KvInput.Put("x", "a"));
        recorder.End(put, null);

        Assert.Throws<InvalidOperationException>(() => recorder.TimedOut(put));
    }

    [Fact]
    public async Task Concurrent_clients_of_a_locked_store_record_a_linearizable_history()
    {
        // A store that is linearizable by construction (one lock), driven from several threads.
        var store = new Dictionary<string, string>();
        var recorder = new HistoryRecorder();

        async Task Client(int id)
        {
            await Task.Yield();
            var rng = new Random(id);
            for (var i = 0; i < 300; i++)
            {
                var key = $"k{rng.Next(3)}";
                var input = rng.Next(3) switch
                {
                    0 => KvInput.Get(key),
                    1 => KvInput.Put(key, $"{id}.{i};"),
                    _ => KvInput.Append(key, $"{id}.{i};"),
                };
                var pending = recorder.Begin(id, input);
                string? read = null;
                lock (store)
                {
                    var current = store.GetValueOrDefault(key, "");
                    switch (input.Kind)
                    {
                        case KvOpKind.Get: read = current; break;
                        case KvOpKind.Put: store[key] = input.Value; break;
                        case KvOpKind.Append: store[key] = current + input.Value; break;
                    }
                }

                recorder.End(pending, read);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(id => Task.Run(() => Client(id))));

        var history = recorder.History;
        Assert.Equal(1200, history.Count);
        var result = LinearizabilityChecker.Check(history, TimeSpan.FromSeconds(20));
        Assert.True(result.Outcome == CheckOutcome.Ok, result.ToString());
    }
}
