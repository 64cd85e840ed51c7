namespace AkkaRaft.TestKit;

internal enum CheckOutcome
{
    /// <summary>Every key has an order of its operations, consistent with real time, that the model accepts.</summary>
    Ok,

    /// <summary>Some key has no such order: the history is not linearizable.</summary>
    Illegal,

    /// <summary>The search ran out of time before it could decide.</summary>
    Unknown,
}

/// <summary>The verdict on a history; for <see cref="CheckOutcome.Illegal"/>, <see cref="Description"/> says which key and operations.</summary>
internal sealed record CheckResult(CheckOutcome Outcome, string Description)
{
    public static readonly CheckResult Ok = new(CheckOutcome.Ok, "linearizable");

    public override string ToString() => $"{Outcome}: {Description}";
}
