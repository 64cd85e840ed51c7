namespace AkkaRaft.TestKit;

/// <summary>The three commands of the replicated key-value store.</summary>
internal enum KvOpKind
{
    Get,
    Put,
    Append,
}

/// <summary>What a client asked the store to do. <see cref="Value"/> is empty for a Get.</summary>
internal sealed record KvInput(KvOpKind Kind, string Key, string Value)
{
    public static KvInput Get(string key) => new(KvOpKind.Get, key, "");

    public static KvInput Put(string key, string value) => new(KvOpKind.Put, key, value);

    public static KvInput Append(string key, string value) => new(KvOpKind.Append, key, value);

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
/// <param name="Output">For a Get, the value read ("" for a missing key); ignored for Put and Append.</param>
internal sealed record KvOperation(int ClientId, KvInput Input, string? Output, long CallTime, long ReturnTime)
{
    public const long NeverReturned = long.MaxValue;

    public bool OutcomeUnknown => ReturnTime == NeverReturned;

    public static KvOperation Completed(int clientId, KvInput input, string? output, long callTime, long returnTime) =>
        new(clientId, input, output, callTime, returnTime);

    public static KvOperation TimedOut(int clientId, KvInput input, long callTime) =>
        new(clientId, input, null, callTime, NeverReturned);

    public override string ToString()
    {
        var output = Input.Kind == KvOpKind.Get && !OutcomeUnknown ? $" -> {KvInput.Quote(Output ?? "")}" : "";
        var ret = OutcomeUnknown ? "?" : ReturnTime.ToString();
        return $"client {ClientId}: {Input}{output} [{CallTime}..{ret}]";
    }
}
