namespace AkkaRaft.TestKit;

/// <summary>
/// The value of one key in the sequential specification, with its hash computed once: the search
/// hashes a state on every step, and values built by appends grow long.
/// </summary>
public readonly struct KvState : IEquatable<KvState>
{
    /// <summary>The state holding <paramref name="value"/>.</summary>
    public KvState(string value)
    {
        Value = value;
        Hash = string.GetHashCode(value, StringComparison.Ordinal);
    }

    /// <summary>The key's value ("" for a missing key).</summary>
    public string Value { get; }

    /// <summary>The ordinal hash of <see cref="Value"/>.</summary>
    public int Hash { get; }

    /// <summary>Ordinal equality of the values.</summary>
    public bool Equals(KvState other) => Hash == other.Hash && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is KvState other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Hash;
}

/// <summary>
/// The sequential key-value store the history must agree with, for a single key (the checker
/// partitions by key): a missing key reads as "", Put replaces, Append concatenates.
/// </summary>
public static class KvModel
{
    /// <summary>A key never written: it reads as "".</summary>
    public static readonly KvState Initial = new("");

    /// <summary>Applies <paramref name="op"/> to <paramref name="state"/>; false if its output is impossible there.</summary>
    public static bool Step(KvState state, HistoryOperation op, out KvState next)
    {
        switch (op.Input.Kind)
        {
            case KvOpKind.Get:
                next = state;
                // A Get with unknown outcome observed nothing, so any state accepts it.
                return op.OutcomeUnknown || string.Equals(state.Value, op.Output ?? "", StringComparison.Ordinal);
            case KvOpKind.Put:
                next = new KvState(op.Input.Value);
                return true;
            case KvOpKind.Append:
                next = op.Input.Value.Length == 0 ? state : new KvState(state.Value + op.Input.Value);
                return true;
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op.Input.Kind, "unknown operation kind");
        }
    }
}
