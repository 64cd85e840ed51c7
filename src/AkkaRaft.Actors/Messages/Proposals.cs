namespace AkkaRaft.Actors.Messages;

/// <summary>
/// Ask a peer to append <paramref name="Command"/> to the replicated log.
/// The leader answers at once with <see cref="ProposeAccepted"/>; any other peer with <see cref="NotLeader"/>.
/// Acceptance is not commitment: the command is committed when it is applied (see <see cref="Applied"/>).
/// </summary>
/// <param name="Command">Opaque command bytes; do not mutate them after proposing.</param>
public sealed record Propose(byte[] Command);

/// <summary>The leader appended the proposed command; if it commits, it will be at <paramref name="Index"/> in <paramref name="Term"/>.</summary>
/// <param name="Index">The entry's log index.</param>
/// <param name="Term">The leader's term, which is the entry's term.</param>
public sealed record ProposeAccepted(long Index, long Term);

/// <summary>The peer is not the leader and did not append the command.</summary>
/// <param name="PeerId">The peer that refused.</param>
/// <param name="LeaderId">The leader it knows of, if any: try there.</param>
public sealed record NotLeader(string PeerId, string? LeaderId);

/// <summary>
/// A committed entry, delivered to the peer's apply target in log order, each index once
///.
/// </summary>
/// <param name="PeerId">The peer that applied it.</param>
/// <param name="Index">The entry's index.</param>
/// <param name="Term">The entry's term.</param>
/// <param name="Command">The command bytes.</param>
public sealed record Applied(string PeerId, long Index, long Term, byte[] Command);
