using Akka.Actor;

namespace AkkaRaft.Actors;

/// <summary>The election timer fired: no leader was heard from and no vote granted in time.</summary>
internal sealed class ElectionTimeout : INoSerializationVerificationNeeded
{
    public static readonly ElectionTimeout Instance = new();
    private ElectionTimeout() { }
}

/// <summary>The leader's periodic heartbeat timer fired.</summary>
internal sealed class HeartbeatTick : INoSerializationVerificationNeeded
{
    public static readonly HeartbeatTick Instance = new();
    private HeartbeatTick() { }
}

/// <summary>The leader sends what its proposals appended, once the mailbox burst is read.</summary>
internal sealed class FlushProposals : INoSerializationVerificationNeeded
{
    public static readonly FlushProposals Instance = new();
    private FlushProposals() { }
}

/// <summary>Time to touch the associations to the peers this one keeps open (over Akka.Remote).</summary>
internal sealed class KeepAssociationsTick : INoSerializationVerificationNeeded
{
    public static readonly KeepAssociationsTick Instance = new();
    private KeepAssociationsTick() { }
}

/// <summary>A leadership transfer has run for an election timeout: abandon it.</summary>
internal sealed class TransferTimeout : INoSerializationVerificationNeeded
{
    public static readonly TransferTimeout Instance = new();
    private TransferTimeout() { }
}

/// <summary>A leader's periodic check that it still hears from a majority (check-quorum).</summary>
internal sealed class QuorumCheckTick : INoSerializationVerificationNeeded
{
    public static readonly QuorumCheckTick Instance = new();
    private QuorumCheckTick() { }
}

/// <summary>The minimum election timeout has passed since the leader was last heard: the vote lease ends.</summary>
internal sealed class VoteLeaseEnded : INoSerializationVerificationNeeded
{
    public static readonly VoteLeaseEnded Instance = new();
    private VoteLeaseEnded() { }
}

/// <summary>
/// Asks a peer to answer <see cref="JournalWritesDone"/> once every journal write it began before this message has
/// completed and been handled. A harness that runs virtual time waits for it before the next step: journal writes
/// complete on real time, and a step taken while one is pending can let a timer fire for want of an answer that was
/// merely late.
/// </summary>
internal sealed class AwaitJournalWrites : INoSerializationVerificationNeeded
{
    public static readonly AwaitJournalWrites Instance = new();
    private AwaitJournalWrites() { }
}

/// <summary>The answer to <see cref="AwaitJournalWrites"/>.</summary>
internal sealed class JournalWritesDone : INoSerializationVerificationNeeded
{
    public static readonly JournalWritesDone Instance = new();
    private JournalWritesDone() { }
}
