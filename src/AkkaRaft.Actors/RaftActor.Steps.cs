using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Persistence;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Actors;

public sealed partial class RaftActor
{
    // ---- Persistent state: one way to change it, in the journal and in memory alike ----

    private void ApplyEvent(IRaftEvent e)
    {
        switch (e)
        {
            case HardStateChanged h:
                _currentTerm = h.Term;
                _votedFor = h.VotedFor;
                break;
            case EntriesAppended a:
                _log.Append(a.Entries);
                break;
            case LogTruncated t:
                _log.TruncateFrom(t.FromIndex);
                _durability.Rewritten(t.FromIndex - 1);
                break;
        }
        _metrics.SetLastIndex(_log.LastIndex);
        if (TrackConfigurations(e)) OnConfigurationChanged();
    }

    /// <summary>A journal write begun under <paramref name="ticket"/> completed: what it appended is durable, if still the log's.</summary>
    private void MarkDurable(IRaftEvent e, WriteTicket ticket) =>
        _durability.Completed(ticket, e is EntriesAppended { Entries.Count: > 0 } a ? a.Entries[^1].Index : 0);

    /// <summary>
    /// Carries out what a rule decided. Memory changes at once (a leader heard, then the events); the journal write is
    /// issued as the step says; and only once it is durable does anything depend on it: the role, the messages, the
    /// commit index, the election timer, then <paramref name="then"/> (the peer's own follow-up, such as saving a
    /// snapshot). This is the one place that makes Raft state durable, so the one place that keeps Figure 2's rule that
    /// persistent state is "updated on stable storage before responding to RPCs".
    /// <para>
    /// A holding write (term, vote, truncation) stashes every command that arrives meanwhile, so nothing observes the
    /// change before it is durable. A pipelined append does not hold the mailbox: appends that arrive during a write
    /// are journaled together in the next one (group commit), so a follower keeps pace with a pipelining leader. That
    /// is safe because nothing answers from what is not yet durable: the entries' acknowledgement waits for their write;
    /// any other answer that depends on them waits for every earlier write (<see cref="StepWrite.AfterEarlierWrites"/>);
    /// a vote or term change holds, and the journal writes it after every earlier event; a refusal (a vote, a
    /// mismatch) is safe whatever the log holds; and the leader counts itself only up to
    /// <see cref="LogDurability.DurableIndex"/> (Raft thesis §10.2.1).
    /// </para>
    /// </summary>
    private void Carry(in Step step, Action? then = null)
    {
        if (step.Leader is { } leader) RecogniseLeader(leader);
        var events = step.Events;
        for (var i = 0; i < events.Count; i++) ApplyEvent(events[i]);
        if (step.Write == StepWrite.None)
            Complete(step, then);
        else if (events.Count == 0)
            DeferAsync((step, then), _completeAfterWrites); // at once when no write is pending
        else
            Write(step, then);
    }

    /// <summary>Journals a step's events; only a single append is pipelined, anything else holds the mailbox.</summary>
    private void Write(Step step, Action? then)
    {
        var pipelined = step.Write == StepWrite.Pipelined && step.Events.Count == 1;
        var ticket = _durability.Begin(pipelined);
        BeginWriteTiming();
        if (pipelined)
        {
            PersistAsync(step.Events[0], e =>
            {
                EndWriteTiming();
                MarkDurable(e, ticket);
                Complete(step, then);
            });
            return;
        }
        var remaining = step.Events.Count;
        PersistAll(step.Events, e =>
        {
            MarkDurable(e, ticket);
            if (--remaining == 0)
            {
                EndWriteTiming();
                Complete(step, then);
            }
        });
    }

    /// <summary>What a step does once its events are durable.</summary>
    private void Complete(in Step step, Action? then)
    {
        switch (step.Role)
        {
            case RaftRole.Follower:
                BecomeFollower(_currentTerm, null);
                break;
            case RaftRole.Candidate:
                EnterCandidacy();
                break;
            case RaftRole.PreCandidate:
                EnterPreCandidacy();
                break;
        }
        if (step.ResetElectionTimer) ResetElectionTimer();
        if (step.Message is { } message)
        {
            if (step.To is { } to) Send(to, message);
            else foreach (var peer in _otherVoters) Send(peer, message); // vote requests: learners do not vote
        }
        AdvanceCommit(step.CommitTo);
        if (step.LeaderRecounts) MaybeCommit();
        if (step.ThenHandle is { } next) HandleInRole(next);
        then?.Invoke();
    }

    private void HandleInRole(IRaftMessage message)
    {
        switch (_role)
        {
            case RaftRole.Follower:
                FollowerHandles(message);
                break;
            case RaftRole.Candidate:
                CandidateHandles(message);
                break;
            case RaftRole.PreCandidate:
                PreCandidateHandles(message);
                break;
            default:
                LeaderHandles(message);
                break;
        }
    }

    /// <inheritdoc />
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // Akka.Persistence stops the actor: nothing that waited on this write is acknowledged, and the
        // next incarnation recovers from what the journal really holds.
        _logger.Error(cause, "{0} could not write {1} to its journal ({2}); stopping so nothing unwritten is acknowledged", _id, @event.GetType().Name, cause.Message);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <inheritdoc />
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The default keeps running, but memory already holds the rejected change (a vote, entries): stop, so
        // the peer recovers from the journal rather than act on state that is not durable.
        _logger.Error(cause, "{0}'s journal rejected {1} ({2}); stopping so the peer recovers from what is durable", _id, @event.GetType().Name, cause.Message);
        Context.Stop(Self);
    }
}
