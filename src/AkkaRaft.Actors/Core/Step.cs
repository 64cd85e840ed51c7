using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Persistence;

namespace AkkaRaft.Actors.Core;

/// <summary>How a <see cref="Step"/>'s events reach the journal, and what its effects wait for.</summary>
internal enum StepWrite : byte
{
    /// <summary>Nothing to write and nothing to wait for: the effects happen at once.</summary>
    None,

    /// <summary>Nothing to write, but the effects wait until every write issued so far is durable (an answer resting on entries still being written).</summary>
    AfterEarlierWrites,

    /// <summary>
    /// One append at the end of the log, written without holding the mailbox: appends arriving meanwhile are written
    /// together in the next write (group commit, Raft thesis §10.2.1).
    /// </summary>
    Pipelined,

    /// <summary>A write that holds every later message until it is durable: term, vote, truncation (Figure 2, persistent state).</summary>
    Holding,
}

/// <summary>
/// What a rule decided, as data: events to make durable and how to write them, then what follows once they are
/// durable (messages, commit, election timer, a new role). The peer carries a step out in one place, so "persist before
/// you speak" (Figure 2: persistent state is "updated on stable storage before responding to RPCs") is written once.
/// A value, so the per-message path allocates nothing for it.
/// </summary>
internal readonly record struct Step
{
    private readonly IReadOnlyList<IRaftEvent>? _events;

    /// <summary>Events that change term, vote or log: applied to memory at once, durable before any effect below.</summary>
    public IReadOnlyList<IRaftEvent> Events { get => _events ?? Array.Empty<IRaftEvent>(); init => _events = value; }

    /// <summary>How <see cref="Events"/> are written (a <see cref="StepWrite.Pipelined"/> step holds exactly one append).</summary>
    public StepWrite Write { get; init; }

    /// <summary>
    /// Why the input was dropped, when it was: nothing but <see cref="ResetElectionTimer"/> is then carried out, and the
    /// peer logs the reason.
    /// </summary>
    public string? Problem { get; init; }

    /// <summary>A leader of the current term was heard: learn it and hold off elections at once, before any write (Figure 2, Followers).</summary>
    public string? Leader { get; init; }

    /// <summary>The role to take once the events are durable: a newer term makes a follower, an election a candidate.</summary>
    public RaftRole? Role { get; init; }

    /// <summary>Sent once the events are durable, to <see cref="To"/>, or to every other member when <see cref="To"/> is null.</summary>
    public IRaftMessage? Message { get; init; }

    /// <summary>The peer <see cref="Message"/> goes to; null for every other member.</summary>
    public string? To { get; init; }

    /// <summary>The commit index to advance to once the events are durable (0 for none; it never moves backward).</summary>
    public long CommitTo { get; init; }

    /// <summary>The leader's own entries become durable: count itself toward a majority again (Raft thesis §10.2.1).</summary>
    public bool LeaderRecounts { get; init; }

    /// <summary>Restart the election timer once the events are durable (Figure 2, Followers: a granted vote holds off an election).</summary>
    public bool ResetElectionTimer { get; init; }

    /// <summary>A message to handle, in the role this step leaves the peer in, once the step is carried out (the request that brought a newer term).</summary>
    public IRaftMessage? ThenHandle { get; init; }

    /// <summary>A message sent at once; nothing is written.</summary>
    public static Step Send(string to, IRaftMessage message) => new() { To = to, Message = message };

    /// <summary>Drops the input, saying why.</summary>
    public static Step Drop(string problem) => new() { Problem = problem };

    /// <summary>A write of <paramref name="e"/> that holds the mailbox until it is durable.</summary>
    public static Step Hold(IRaftEvent e) => new() { Events = new[] { e }, Write = StepWrite.Holding };

    /// <summary>The leader's own append: pipelined, then counted toward a majority once durable (Raft thesis §10.2.1).</summary>
    public static Step LeaderAppend(EntriesAppended appended) =>
        new() { Events = new IRaftEvent[] { appended }, Write = StepWrite.Pipelined, LeaderRecounts = true };
}

/// <summary>What a rule reads of the peer: identity, persistent state (Figure 2) and commit index.</summary>
internal readonly record struct PeerView(string ClusterId, string Id, long CurrentTerm, string? VotedFor, RaftLog Log, long CommitIndex);
