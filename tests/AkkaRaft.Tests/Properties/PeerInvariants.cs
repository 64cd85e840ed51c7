using System.Collections.Concurrent;
using Akka.TestKit;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Sdk;

namespace AkkaRaft.Tests.Properties;

/// <summary>
/// What a peer under arbitrary traffic must keep, checked after every step against its <see cref="RaftState"/>, its
/// supervisor's record and what it handed its state machine:
/// <list type="number">
/// <item>it never restarts (no exception reaches its supervisor) and never stops;</item>
/// <item>its term never decreases and is never negative (Raft §5.1: terms increase monotonically; a wrapped term is a decrease);</item>
/// <item>it never truncates committed entries: the commit index never decreases and never passes the last log index,
/// and no index is applied twice, out of order, or with another term or command (Raft §5.4, State Machine Safety).</item>
/// </list>
/// Every failure names the property, the step, and the concrete messages sent so far.
/// </summary>
internal sealed class PeerInvariants
{
    public const string NeverRestarts = "never restarts";
    public const string NeverWrapsTerm = "never wraps a term";
    public const string NeverTruncatesCommitted = "never truncates committed entries";

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    private readonly ConcurrentQueue<string> _failures;
    private readonly TestProbe _stateMachine;
    private readonly List<string> _trace = new();
    private readonly Dictionary<long, Applied> _applied = new();
    private long _appliedUpTo;
    private RaftState? _last;

    public PeerInvariants(ConcurrentQueue<string> failures, TestProbe stateMachine)
    {
        _failures = failures;
        _stateMachine = stateMachine;
    }

    /// <summary>Records what was just sent, asks the peer for its state (which it answers after the step), and checks every property.</summary>
    public async Task<RaftState> AfterAsync(IActorRef peer, string step)
    {
        _trace.Add(step);
        RaftState state;
        try
        {
            state = await peer.Ask<RaftState>(GetState.Instance, AskTimeout);
        }
        catch (AskTimeoutException)
        {
            Fail(NeverRestarts, $"it did not answer GetState within {AskTimeout.TotalSeconds} s");
            throw; // unreachable: Fail throws
        }
        _trace[^1] += $"  -> {state.Role} at term {state.Term}, log up to {state.LastLogIndex} (snapshot {state.SnapshotIndex}), commit {state.CommitIndex}";
        // The supervisor heard of any exception before the restarted peer could answer.
        if (_failures.TryPeek(out var failure)) Fail(NeverRestarts, failure);

        if (state.Term < 0) Fail(NeverWrapsTerm, $"its term is {state.Term}");
        if (_last is { } before && state.Term < before.Term) Fail(NeverWrapsTerm, $"its term went from {before.Term} to {state.Term}");

        if (_last is { } prior && state.CommitIndex < prior.CommitIndex)
            Fail(NeverTruncatesCommitted, $"its commit index went from {prior.CommitIndex} to {state.CommitIndex}");
        if (state.CommitIndex > state.LastLogIndex)
            Fail(NeverTruncatesCommitted, $"its commit index {state.CommitIndex} is past its last log index {state.LastLogIndex}");
        if (state.LastApplied > state.CommitIndex)
            Fail(NeverTruncatesCommitted, $"it applied up to {state.LastApplied}, past its commit index {state.CommitIndex}");
        CheckApplied();
        _last = state;
        return state;
    }

    /// <summary>
    /// The state machine's probe holds whatever the peer applied before it answered GetState (a probe's mailbox is
    /// filled on the sender's thread): each index once, in order, never with another entry; a snapshot only moves on.
    /// </summary>
    private void CheckApplied()
    {
        while (_stateMachine.HasMessages)
        {
            switch (_stateMachine.ReceiveOne(TimeSpan.Zero))
            {
                case Applied a:
                    if (_applied.TryGetValue(a.Index, out var earlier) && (earlier.Term != a.Term || !earlier.Command.AsSpan().SequenceEqual(a.Command)))
                        Fail(NeverTruncatesCommitted, $"index {a.Index} was applied as term {earlier.Term} [{Convert.ToHexString(earlier.Command)}] and again as term {a.Term} [{Convert.ToHexString(a.Command)}]");
                    if (a.Index != _appliedUpTo + 1)
                        Fail(NeverTruncatesCommitted, $"it applied index {a.Index} after {_appliedUpTo} (a repeat, a gap or out of order)");
                    _applied[a.Index] = a;
                    _appliedUpTo = a.Index;
                    break;
                case SnapshotInstalled s:
                    if (s.Index < _appliedUpTo)
                        Fail(NeverTruncatesCommitted, $"it installed a snapshot up to {s.Index}, behind the {_appliedUpTo} entries it had applied");
                    _appliedUpTo = s.Index;
                    break;
            }
        }
    }

    private void Fail(string property, string what) =>
        throw new XunitException(
            $"Property '{property}' failed after step {_trace.Count - 1}: {what}.{Environment.NewLine}What the peer was sent:{Environment.NewLine}" +
            string.Join(Environment.NewLine, _trace.Select((s, i) => $"  {i}. {s}")));
}
