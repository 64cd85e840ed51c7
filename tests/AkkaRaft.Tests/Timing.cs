namespace AkkaRaft.Tests;

/// <summary>Tests that depend on real time run one at a time, so they never compete for the two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}
