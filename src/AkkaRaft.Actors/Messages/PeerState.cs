namespace AkkaRaft.Actors;

/// <summary>The roles of a Raft peer: the paper's three (Raft paper §5.1) and the pre-candidate of pre-vote (Raft thesis §9.6).</summary>
public enum RaftRole
{
    /// <summary>Answers leaders and candidates; starts an election when the leader goes quiet.</summary>
    Follower,

    /// <summary>Asks the other peers for votes in a new term.</summary>
    Candidate,

    /// <summary>Accepts commands and replicates them; at most one per term.</summary>
    Leader,

    /// <summary>
    /// Asks the other peers whether it could win an election before it starts one, without changing its term or vote
    /// (Raft thesis §9.6, pre-vote); becomes a candidate once a majority would vote for it.
    /// </summary>
    PreCandidate,
}

/// <summary>Ask a peer for its <see cref="RaftState"/>: its role, term, leader, log and commit position.</summary>
public sealed class GetState
{
    /// <summary>The only instance.</summary>
    public static readonly GetState Instance = new();

    private GetState() { }
}

/// <summary>A snapshot of a peer's view, the answer to <see cref="GetState"/>.</summary>
/// <param name="PeerId">The peer's id.</param>
/// <param name="Term">Its current term.</param>
/// <param name="Role">Its role.</param>
/// <param name="LeaderId">The leader it knows of in <paramref name="Term"/>, if any (itself when leader).</param>
/// <param name="LastLogIndex">Index of its last log entry.</param>
/// <param name="CommitIndex">Highest index it knows to be committed.</param>
/// <param name="LastApplied">Highest index it has applied to its state machine.</param>
/// <param name="SnapshotIndex">Last index covered by its snapshot (0 when it has none).</param>
/// <param name="LogBytes">Encoded size of the Raft state its journal holds beyond the snapshot: term, vote and the entries not compacted.</param>
/// <param name="SnapshotBytes">Size of the state machine's snapshot it holds (0 when none).</param>
public sealed record RaftState(string PeerId, long Term, RaftRole Role, string? LeaderId, long LastLogIndex, long CommitIndex, long LastApplied, long SnapshotIndex = 0, long LogBytes = 0, long SnapshotBytes = 0)
{
    /// <summary>True when the peer believes it is the leader of <see cref="Term"/>.</summary>
    public bool IsLeader => Role == RaftRole.Leader;

    /// <summary>On a leader, how long ago it last heard from each other member in its term; null on any other role.</summary>
    public IReadOnlyList<FollowerContact>? Followers { get; init; }

    /// <summary>
    /// False when the peer's latest configuration does not list it: it was removed from the group (or has not been added
    /// yet, when it joins). Such a peer never campaigns.
    /// </summary>
    public bool IsMember { get; init; } = true;
}

/// <summary>How long ago a leader last heard from one follower.</summary>
/// <param name="PeerId">The follower.</param>
/// <param name="SinceHeard">Time since its last message of the leader's term; null when none came yet.</param>
public sealed record FollowerContact(string PeerId, TimeSpan? SinceHeard);

/// <summary>
/// Published on the ActorSystem's EventStream whenever a peer's role, term or known leader
/// changes, so monitors and tests can follow elections without polling.
/// </summary>
/// <param name="ClusterId">The Raft group.</param>
/// <param name="PeerId">The peer whose view changed.</param>
/// <param name="Term">Its term after the change.</param>
/// <param name="Role">Its role after the change.</param>
/// <param name="LeaderId">The leader it knows of after the change, if any.</param>
public sealed record RaftRoleChanged(string ClusterId, string PeerId, long Term, RaftRole Role, string? LeaderId);
