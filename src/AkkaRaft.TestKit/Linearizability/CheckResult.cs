namespace AkkaRaft.TestKit;

/// <summary>What <see cref="LinearizabilityChecker.Check"/> decided.</summary>
public enum CheckOutcome
{
    /// <summary>Every key has an order of its operations, consistent with real time, that the model accepts.</summary>
    Ok,

    /// <summary>Some key has no such order: the history is not linearizable.</summary>
    Illegal,

    /// <summary>The search ran out of time before it could decide.</summary>
    Unknown,
}

/// <summary>The verdict on a history; for <see cref="CheckOutcome.Illegal"/>, <see cref="Description"/> says which key and operations.</summary>
/// <param name="Outcome">Linearizable, not, or undecided in the time given.</param>
/// <param name="Description">A readable account of the verdict; for a failure, the key, how far the longest order got and the operations that cannot come next.</param>
public sealed record CheckResult(CheckOutcome Outcome, string Description)
{
    /// <summary>The verdict on a linearizable history.</summary>
    public static readonly CheckResult Ok = new(CheckOutcome.Ok, "linearizable");

    /// <summary>The outcome and the description, for a test failure message.</summary>
    public override string ToString() => $"{Outcome}: {Description}";
}
