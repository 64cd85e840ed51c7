using System.Text;

namespace AkkaRaft.KeyValue;

/// <summary>How a server splits answers ready together for one sender into <see cref="KvResponses"/> messages.</summary>
internal static class KvAnswerBatches
{
    /// <summary>Bytes counted for an answer's integers, status and flags, beyond its strings.</summary>
    private const int FixedBytes = 24;

    /// <summary>
    /// Consecutive parts of <paramref name="answers"/>, in order, each of at most <see cref="KvRequests.MaxCount"/>
    /// answers and at most <see cref="KvResponses.MaxBytes"/> of encoded answers, except that an answer larger than that
    /// alone makes a part of its own.
    /// </summary>
    public static IEnumerable<KvResponse[]> Split(IReadOnlyList<KvResponse> answers)
    {
        var start = 0;
        var bytes = 0;
        for (var i = 0; i < answers.Count; i++)
        {
            var size = SizeOf(answers[i]);
            if (i > start && (i - start == KvRequests.MaxCount || bytes + size > KvResponses.MaxBytes))
            {
                yield return Slice(answers, start, i);
                (start, bytes) = (i, 0);
            }
            bytes += size;
        }
        if (start < answers.Count) yield return Slice(answers, start, answers.Count);
    }

    /// <summary>An answer's encoded size, near enough: its strings in UTF-8 and a fixed allowance for the rest.</summary>
    public static int SizeOf(KvResponse answer) =>
        FixedBytes + (answer.Value is { } v ? Encoding.UTF8.GetByteCount(v) : 0) + (answer.LeaderId is { } l ? Encoding.UTF8.GetByteCount(l) : 0);

    private static KvResponse[] Slice(IReadOnlyList<KvResponse> answers, int from, int to)
    {
        var part = new KvResponse[to - from];
        for (var i = from; i < to; i++) part[i - from] = answers[i];
        return part;
    }
}
