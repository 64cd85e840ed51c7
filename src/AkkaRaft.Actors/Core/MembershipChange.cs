namespace AkkaRaft.Actors.Core;

/// <summary>
/// One single-server change to the configuration (Raft thesis §4.1: one server added or removed at a time, so any
/// majority of the old configuration overlaps any majority of the new). Adding a voter is two changes, a learner added
/// and, once it has caught up, promoted (thesis §4.2.1), so a new server never counts toward a majority before it holds
/// the log.
/// </summary>
/// <param name="Id">The member the change is about.</param>
/// <param name="ExpectedIndex">
/// Compare-and-set: when given, the change applies only if the configuration in effect is the one created at this log
/// index (0 for the bootstrap configuration), so two administrators cannot each change a configuration they saw.
/// </param>
internal abstract record MembershipChange(string Id, long? ExpectedIndex)
{
    /// <summary>For log lines and refusals: <c>add learner n4 at akka.tcp://...</c>.</summary>
    public abstract string Describe();
}

/// <summary>Adds <paramref name="Id"/>, reached at <paramref name="Address"/>, as a learner: it receives the log, never votes.</summary>
internal sealed record AddLearnerChange(string Id, string Address, long? ExpectedIndex = null) : MembershipChange(Id, ExpectedIndex)
{
    public override string Describe() => $"add learner {Id} at {Address}";
}

/// <summary>Makes learner <paramref name="Id"/> a voter.</summary>
internal sealed record PromoteLearnerChange(string Id, long? ExpectedIndex = null) : MembershipChange(Id, ExpectedIndex)
{
    public override string Describe() => $"promote learner {Id}";
}

/// <summary>Removes member <paramref name="Id"/>, voter or learner (the leader itself included, thesis §4.2.2).</summary>
internal sealed record RemoveMemberChange(string Id, long? ExpectedIndex = null) : MembershipChange(Id, ExpectedIndex)
{
    public override string Describe() => $"remove {Id}";
}


/// <summary>A refused change: why, and a one-line message for the requester.</summary>
internal sealed record MembershipRefusal(MembershipRefusalReason Reason, string Message)
{
    /// <summary>
    /// True when the same request may succeed if sent again later, unchanged: the leader is only waiting for a commit.
    /// Every other refusal stays until the request itself changes (a moved configuration means the requester must
    /// look at the new one before deciding again).
    /// </summary>
    public bool Retryable => Reason is MembershipRefusalReason.ChangeInProgress or MembershipRefusalReason.TermNotCommitted;

    public override string ToString() => $"{Reason}: {Message}";
}

/// <summary>What a change does to a configuration. Pure: configuration in, configuration or refusal out.</summary>
internal static class MembershipChanges
{
    /// <summary>
    /// Applies <paramref name="change"/> to <paramref name="current"/>, the configuration created at log index
    /// <paramref name="currentIndex"/>. Returns the new configuration, or why the change is refused.
    /// </summary>
    public static (Membership? Next, MembershipRefusal? Refusal) Apply(Membership current, long currentIndex, MembershipChange change)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(change);
        if (change.ExpectedIndex is { } expected && expected != currentIndex)
            return Refuse(MembershipRefusalReason.ConfigurationMoved,
                $"cannot {change.Describe()}: expected the configuration of index {expected}, but the one in effect is of index {currentIndex} ({current})");

        switch (change)
        {
            case AddLearnerChange add:
                if (current.Contains(add.Id ?? ""))
                    return Refuse(MembershipRefusalReason.AlreadyMember,
                        $"cannot {change.Describe()}: {add.Id} is already a {(current.IsVoter(add.Id!) ? "voter" : "learner")}");
                var (next, problem) = current.WithLearner(new Member(add.Id!, add.Address!));
                return next is not null
                    ? (next, null)
                    : Refuse(MembershipRefusalReason.InvalidMember, $"cannot {change.Describe()}: {problem}");

            case PromoteLearnerChange promote:
                if (current.IsVoter(promote.Id ?? "")) return Refuse(MembershipRefusalReason.NotALearner, $"cannot {change.Describe()}: it is a voter already");
                if (!current.IsLearner(promote.Id ?? "")) return Unknown(current, change);
                return (current.WithPromoted(promote.Id!), null);

            case RemoveMemberChange remove:
                if (!current.Contains(remove.Id ?? "")) return Unknown(current, change);
                if (current.IsVoter(remove.Id!) && current.Voters.Length == 1)
                    return Refuse(MembershipRefusalReason.LastVoter, $"cannot {change.Describe()}: it is the only voter");
                return (current.Without(remove.Id!), null);

            default:
                throw new ArgumentException($"unknown change {change.GetType().Name}", nameof(change));
        }
    }

    private static (Membership?, MembershipRefusal?) Unknown(Membership current, MembershipChange change) =>
        Refuse(MembershipRefusalReason.UnknownMember, $"cannot {change.Describe()}: it is not a member ({current})");

    private static (Membership?, MembershipRefusal?) Refuse(MembershipRefusalReason reason, string message) =>
        (null, new MembershipRefusal(reason, message));
}
