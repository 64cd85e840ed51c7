namespace AkkaRaft.Actors.Protocol;

/// <summary>
/// Marker of every message one Raft peer sends another. Each carries the group
/// name and the sender's stable id, so a peer can refuse traffic that is not
/// from a member of its own group, and the sender's term (Raft paper §5.1).
/// </summary>
public interface IRaftMessage
{
    /// <summary>The Raft group the sender belongs to.</summary>
    string ClusterId { get; }

    /// <summary>The sender's stable peer id.</summary>
    string From { get; }

    /// <summary>The sender's current term.</summary>
    long Term { get; }
}

/// <summary>A Raft request (RequestVote, AppendEntries): answered by an <see cref="IRaftResponse"/>.</summary>
public interface IRaftRequest : IRaftMessage;

/// <summary>A Raft response, sent back to the requester by its id.</summary>
public interface IRaftResponse : IRaftMessage;
