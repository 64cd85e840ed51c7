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
