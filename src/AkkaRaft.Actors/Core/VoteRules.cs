using AkkaRaft.Actors.Messages;

namespace AkkaRaft.Actors.Core;

/// <summary>How a peer answers a RequestVote of its current term.</summary>
internal enum VoteDecision
{
    /// <summary>Refuse: it voted for another candidate in this term.</summary>
    RefuseVotedForAnother,

    /// <summary>Refuse: the candidate's log is less up-to-date than this peer's (§5.4.1).</summary>
    RefuseLogBehind,

    /// <summary>Grant, after making the vote durable.</summary>
    GrantAfterRecording,

    /// <summary>Grant again: the vote is already this candidate's, and durable.</summary>
    GrantAgain,
}

/// <summary>Figure 2, RequestVote receiver, at the current term.</summary>
internal static class VoteRules
{
    /// <summary>
    /// Grant when not yet voted for another in this term and the candidate's log is at least as up-to-date (§5.2,
    /// §5.4.1). A vote is recorded durably before it is sent.
    /// </summary>
    public static VoteDecision Decide(string? votedFor, RaftLog log, RequestVote rv)
    {
        if (votedFor is not null && votedFor != rv.From) return VoteDecision.RefuseVotedForAnother;
        if (!log.IsUpToDate(rv.LastLogIndex, rv.LastLogTerm)) return VoteDecision.RefuseLogBehind;
        return votedFor == rv.From ? VoteDecision.GrantAgain : VoteDecision.GrantAfterRecording;
    }
}
