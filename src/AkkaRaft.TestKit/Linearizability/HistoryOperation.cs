namespace AkkaRaft.TestKit;

/// <summary>The three commands of the replicated key-value store.</summary>
public enum KvOpKind
{
    /// <summary>Read a key ("" when missing).</summary>
    Get,

    /// <summary>Replace a key's value.</summary>
    Put,

    /// <summary>Add to the end of a key's value.</summary>
    Append,
}

/// <summary>What a client asked the store to do. <see cref="Value"/> is empty for a Get.</summary>
/// <param name="Kind">Get, Put or Append.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">What a Put writes or an Append adds; empty for a Get.</param>
public sealed record KvInput(KvOpKind Kind, string Key, string Value)
{
    /// <summary>Read <paramref name="key"/>.</summary>
    public static KvInput Get(string key) => new(KvOpKind.Get, key, "");

    /// <summary>Set <paramref name="key"/> to <paramref name="value"/>.</summary>
    public static KvInput Put(string key, string value) => new(KvOpKind.Put, key, value);

    /// <summary>Add <paramref name="value"/> to the end of <paramref name="key"/>'s value.</summary>
    public static KvInput Append(string key, string value) => new(KvOpKind.Append, key, value);

    /// <summary>The command as code would write it, long strings shortened.</summary>
    public override string ToString() => Kind == KvOpKind.Get
        ? $"Get({Quote(Key)})"
        : $"{Kind}({Quote(Key)}, {Quote(Value)})";

    internal static string Quote(string s) => s.Length <= 40 ? $"\"{s}\"" : $"\"{s[..18]}...{s[^18..]}\" ({s.Length} chars)";
}

/// <summary>
/// One operation of a history as a client saw it: invoked at <see cref="CallTime"/>, answered at
/// <see cref="ReturnTime"/> (any monotonic ticks, e.g. <see cref="System.Diagnostics.Stopwatch"/> timestamps).
/// An operation whose outcome is unknown (the client gave up waiting, so it may or may not have taken
/// effect) has <see cref="ReturnTime"/> = <see cref="NeverReturned"/> and no output.
/// </summary>
/// <param name="ClientId">The client that issued it; a client issues one operation at a time.</param>
/// <param name="Input">What the client asked for.</param>
/// <param name="Output">For a Get, the value read ("" for a missing key); ignored for Put and Append.</param>
/// <param name="CallTime">When the client sent it, in ticks of a monotonic clock.</param>
/// <param name="ReturnTime">When the client had the answer, in the same ticks; <see cref="NeverReturned"/> when it gave up.</param>
public sealed record HistoryOperation(int ClientId, KvInput Input, string? Output, long CallTime, long ReturnTime)
{
    /// <summary>The <see cref="ReturnTime"/> of an operation whose outcome is unknown.</summary>
    public const long NeverReturned = long.MaxValue;

    /// <summary>The client gave up waiting: the operation may or may not have taken effect.</summary>
    public bool OutcomeUnknown => ReturnTime == NeverReturned;

    /// <summary>An operation the client saw answered.</summary>
    public static HistoryOperation Completed(int clientId, KvInput input, string? output, long callTime, long returnTime) =>
        new(clientId, input, output, callTime, returnTime);

    /// <summary>An operation the client gave up on at some point after <paramref name="callTime"/>.</summary>
    public static HistoryOperation TimedOut(int clientId, KvInput input, long callTime) =>
        new(clientId, input, null, callTime, NeverReturned);

    /// <summary>Client, command, answer and interval, for a failure description.</summary>
    public override string ToString()
    {
        var output = Input.Kind == KvOpKind.Get && !OutcomeUnknown ? $" -> {KvInput.Quote(Output ?? "")}" : "";
        var ret = OutcomeUnknown ? "?" : ReturnTime.ToString();
        return $"client {ClientId}: {Input}{output} [{CallTime}..{ret}]";
    }
}
