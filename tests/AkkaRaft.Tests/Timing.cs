namespace AkkaRaft.Tests;

/// <summary>Tests that depend on real time run one at a time, so they never compete for the two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}

/// <summary>
/// The lab's key-value tests (parts 3A and 3B) run on real time but have no tight timing bound (the Speed tests allow
/// 33 ms an operation and take well under 1 ms; the linearizability checks finish in under a second of their 10 s), and
/// spend most of their time waiting for the lab's fixed client windows. The two classes run beside each other and the
/// other parallel tests (three collections at a time, <c>xunit.runner.json</c>), each class's tests one after another,
/// so neither waits for the other before the non-parallel collection starts.
/// </summary>
[CollectionDefinition(Name)]
public sealed class KvLab3ACollection
{
    public const string Name = "kv-lab-3A";
}

/// <inheritdoc cref="KvLab3ACollection"/>
[CollectionDefinition(Name)]
public sealed class KvLab3BCollection
{
    public const string Name = "kv-lab-3B";
}
