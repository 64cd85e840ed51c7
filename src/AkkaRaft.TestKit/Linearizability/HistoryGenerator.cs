namespace AkkaRaft.TestKit;

/// <summary>
/// Makes linearizable histories by construction: concurrent clients issue operations at random times,
/// each takes effect on a real sequential store at a random instant between its call and its return,
/// and a Get's output is what the store held at that instant.
/// </summary>
internal static class HistoryGenerator
{
    /// <param name="Clients">How many concurrent clients.</param>
    /// <param name="Keys">How many distinct keys.</param>
    /// <param name="Operations">How many operations in all, shared evenly among the clients.</param>
    /// <param name="Seed">Seeds every random choice, so a history can be made again.</param>
    /// <param name="TimeoutProbability">Chance that a client gives up on an operation; half of those still take effect.</param>
    /// <param name="GetProbability">Chance that an operation is a Get; the rest are Puts and Appends in equal parts.</param>
    /// <param name="MaxLatency">Longest time, in ticks, from an operation's call to its return.</param>
    /// <param name="MaxThinkTime">Longest pause, in ticks, between a client's operations.</param>
    internal sealed record Options(
        int Clients,
        int Keys,
        int Operations,
        int Seed,
        double TimeoutProbability = 0,
        double GetProbability = 0.4,
        int MaxLatency = 100,
        int MaxThinkTime = 20);

    public static List<HistoryOperation> Generate(Options o)
    {
        var rng = new Random(o.Seed);
        var ops = new List<HistoryOperation>(o.Operations);
        var effectAt = new List<(long Time, int Op)>();
        var perClient = o.Operations / o.Clients;

        for (var client = 0; client < o.Clients; client++)
        {
            long t = rng.Next(o.MaxThinkTime + 1);
            for (var j = 0; j < perClient; j++)
            {
                var id = ops.Count;
                var key = $"k{rng.Next(o.Keys)}";
                var roll = rng.NextDouble();
                var input = roll < o.GetProbability ? KvInput.Get(key)
                    : roll < (1 + o.GetProbability) / 2 ? KvInput.Put(key, $"p{id};")
                    : KvInput.Append(key, $"a{id};");

                if (rng.NextDouble() < o.TimeoutProbability)
                {
                    // The request may still be executed long after the client stopped waiting.
                    if (input.Kind != KvOpKind.Get && rng.Next(2) == 0)
                        effectAt.Add((t + rng.Next(5 * o.MaxLatency), id));
                    ops.Add(HistoryOperation.TimedOut(client, input, t));
                    t += 2 * o.MaxLatency + rng.Next(o.MaxThinkTime + 1);
                }
                else
                {
                    var latency = 1 + rng.Next(o.MaxLatency);
                    effectAt.Add((t + rng.Next(latency + 1), id));
                    ops.Add(HistoryOperation.Completed(client, input, null, t, t + latency));
                    t += latency + rng.Next(o.MaxThinkTime + 1);
                }
            }
        }

        effectAt.Sort();
        var store = new Dictionary<string, string>();
        foreach (var (_, id) in effectAt)
        {
            var op = ops[id];
            var current = store.GetValueOrDefault(op.Input.Key, "");
            switch (op.Input.Kind)
            {
                case KvOpKind.Get:
                    ops[id] = op with { Output = current };
                    break;
                case KvOpKind.Put:
                    store[op.Input.Key] = op.Input.Value;
                    break;
                case KvOpKind.Append:
                    store[op.Input.Key] = current + op.Input.Value;
                    break;
            }
        }

        return ops;
    }
}
