namespace AkkaRaft.TestKit;

/// <summary>
/// A check of the test kit failed: two leaders in one term, no leader in time, peers that applied different
/// commands at one index, no agreement on a command. Test frameworks report it as a failed test.
/// </summary>
public sealed class RaftTestKitException : Exception
{
    /// <summary>A failed check, described by <paramref name="message"/>.</summary>
    public RaftTestKitException(string message) : base(message)
    {
    }

    /// <summary>A failed check, described by <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public RaftTestKitException(string message, Exception inner) : base(message, inner)
    {
    }
}
