namespace AkkaRaft.Actors;

// Membership changes (Raft thesis §4): one server at a time, each a configuration entry in the log. Send them to the
// leader; any other peer answers NotLeader. The leader answers each with MembershipChanged once the change is
// committed, or MembershipChangeRefused saying why not. Any peer answers GetMembers.

/// <summary>
/// Ask the leader to add <paramref name="Id"/>, reached at <paramref name="Address"/> (its Akka actor path), as a
/// learner: it receives the log and snapshots but never votes, never campaigns and never counts toward a majority.
/// </summary>
/// <param name="Id">The new member's stable id.</param>
/// <param name="Address">Its actor path, for example <c>akka.tcp://raft@10.0.0.4:4053/user/raft</c>; it travels in the configuration entry, so every member can reach it.</param>
/// <param name="ExpectedConfigurationIndex">When given, the change applies only if the configuration in effect is the one created at this log index (compare-and-set; 0 is the initial configuration).</param>
public sealed record AddLearner(string Id, string Address, long? ExpectedConfigurationIndex = null);

/// <summary>
/// Ask the leader to add <paramref name="Id"/> as a voter, safely: it is added as a learner (unless it is one already),
/// replicated to in rounds until a round ends within an election timeout (at most <c>akka.raft.membership.catch-up-rounds</c>),
/// then promoted. A server that does not catch up is left a learner and the answer says so.
/// </summary>
/// <param name="Id">The new voter's stable id.</param>
/// <param name="Address">Its actor path.</param>
/// <param name="ExpectedConfigurationIndex">Compare-and-set, as for <see cref="AddLearner"/>.</param>
public sealed record AddVoter(string Id, string Address, long? ExpectedConfigurationIndex = null);

/// <summary>Ask the leader to make learner <paramref name="Id"/> a voter at once, without a catch-up check.</summary>
/// <param name="Id">The learner.</param>
/// <param name="ExpectedConfigurationIndex">Compare-and-set, as for <see cref="AddLearner"/>.</param>
public sealed record PromoteLearner(string Id, long? ExpectedConfigurationIndex = null);

/// <summary>
/// Ask the leader to remove member <paramref name="Id"/>, voter or learner. A leader that removes itself keeps leading
/// until the change commits, without counting itself, then hands leadership to the most up-to-date voter and steps down.
/// </summary>
/// <param name="Id">The member to remove.</param>
/// <param name="ExpectedConfigurationIndex">Compare-and-set, as for <see cref="AddLearner"/>.</param>
public sealed record RemoveMember(string Id, long? ExpectedConfigurationIndex = null);

/// <summary>Ask any peer for the members it knows: its latest configuration, with each follower's progress when it leads.</summary>
public sealed class GetMembers
{
    /// <summary>The message (it carries nothing).</summary>
    public static readonly GetMembers Instance = new();

    private GetMembers() { }
}

/// <summary>The change was committed: the configuration created at <paramref name="Index"/> is in effect.</summary>
/// <param name="PeerId">The leader that made the change.</param>
/// <param name="Index">The log index of the configuration entry.</param>
/// <param name="Members">The configuration it created.</param>
public sealed record MembershipChanged(string PeerId, long Index, Members Members);

/// <summary>Why a membership change was not made.</summary>
public enum MembershipRefusalReason
{
    /// <summary>The member to add has an empty id or address.</summary>
    InvalidMember,

    /// <summary>The member to add is a voter or learner already.</summary>
    AlreadyMember,

    /// <summary>The member to promote or remove is not in the configuration.</summary>
    UnknownMember,

    /// <summary>The member to promote is a voter already.</summary>
    NotALearner,

    /// <summary>The member to remove is the only voter.</summary>
    LastVoter,

    /// <summary>The configuration in effect is not the one the request expected (compare-and-set).</summary>
    ConfigurationMoved,

    /// <summary>Another change is not committed yet: retry.</summary>
    ChangeInProgress,

    /// <summary>The leader has not committed an entry of its term yet: retry.</summary>
    TermNotCommitted,

    /// <summary>The leader is handing leadership over: retry with the next leader.</summary>
    TransferInProgress,

    /// <summary>The learner did not catch up within the rounds allowed, or stopped answering; it stays a learner.</summary>
    NotCaughtUp,

    /// <summary>The leader lost leadership before the change committed: it may or may not take effect; look with <see cref="GetMembers"/>.</summary>
    LeadershipLost,
}

/// <summary>The leader did not make a membership change, and says why in one line.</summary>
/// <param name="PeerId">The leader.</param>
/// <param name="Reason">Why.</param>
/// <param name="Message">A one-line explanation naming the member and the configuration.</param>
public sealed record MembershipChangeRefused(string PeerId, MembershipRefusalReason Reason, string Message)
{
    /// <summary>True when the same request may succeed later, unchanged (the leader was waiting for a commit or a transfer).</summary>
    public bool Retryable => Reason is MembershipRefusalReason.ChangeInProgress or MembershipRefusalReason.TermNotCommitted or MembershipRefusalReason.TransferInProgress;
}

/// <summary>One member of a configuration, as a peer sees it.</summary>
/// <param name="Id">Its stable id.</param>
/// <param name="Address">Its actor path.</param>
/// <param name="IsVoter">True for a voter, false for a learner.</param>
/// <param name="MatchIndex">On the leader: the highest index it knows the member holds (the leader's own last index for itself); null elsewhere.</param>
public sealed record MemberInfo(string Id, string Address, bool IsVoter, long? MatchIndex);

/// <summary>A peer's latest configuration, the answer to <see cref="GetMembers"/>.</summary>
/// <param name="PeerId">The peer that answered.</param>
/// <param name="LeaderId">The leader it knows of, if any.</param>
/// <param name="ConfigurationIndex">The log index of the entry that created the configuration (0: the initial one).</param>
/// <param name="Committed">True when that entry is committed on this peer.</param>
/// <param name="LastIndex">The peer's last log index, against which <see cref="MemberInfo.MatchIndex"/> gives a member's lag.</param>
/// <param name="List">Voters, then learners, each by id.</param>
public sealed record Members(string PeerId, string? LeaderId, long ConfigurationIndex, bool Committed, long LastIndex, IReadOnlyList<MemberInfo> List)
{
    /// <summary>True when <paramref name="id"/> is a voter of this configuration.</summary>
    public bool IsVoter(string id) => List.Any(m => m.Id == id && m.IsVoter);

    /// <summary>True when <paramref name="id"/> is a learner of this configuration.</summary>
    public bool IsLearner(string id) => List.Any(m => m.Id == id && !m.IsVoter);

    /// <summary>For logs: <c>voters [n1, n2], learners [n3] (index 12)</c>.</summary>
    public override string ToString() =>
        $"voters [{string.Join(", ", List.Where(m => m.IsVoter).Select(m => m.Id))}], learners [{string.Join(", ", List.Where(m => !m.IsVoter).Select(m => m.Id))}] (index {ConfigurationIndex})";
}
