using System.Buffers.Binary;
using System.Diagnostics;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Bench;

/// <summary>
/// All the closed-loop proposers of one run in one actor: it keeps <c>n</c> commands outstanding at the leader
/// and proposes the next one each time one commits. It is both the sender of every <see cref="Propose"/> and every
/// peer's apply target, so the leader's <see cref="ProposeAccepted"/> for an index always reaches it before the
/// leader's <see cref="Applied"/> for that index (Akka orders messages between one pair of actors). No Ask, Task
/// or timer is made per command; the cost per command is the Propose and its payload.
/// </summary>
internal sealed class ProposerDriver : MeasuringDriver
{
    private readonly int _commandBytes;
    private readonly int _snapshotBytes;
    private IActorRef _leader = ActorRefs.Nobody;
    private string _leaderId = "";
    private long _leaderTerm;

    /// <summary>Send timestamps of proposals not yet accepted. The leader answers proposals in the order it reads them.</summary>
    private readonly Queue<long> _unaccepted = new();

    /// <summary>Send timestamps of accepted proposals by log index, until the leader applies them.</summary>
    private readonly Dictionary<long, long> _inflight = new();

    private long _sequence;

    /// <summary>
    /// Created before the peers, whose apply target it is; it ignores what they apply until
    /// <see cref="StartProposing"/> names the leader. With <paramref name="snapshotBytes"/> above 0 it also stands in for
    /// the peers' state machine when they ask for a snapshot (<c>akka.raft.snapshot.log-entries</c>): it answers with a
    /// state of that many bytes (<see cref="SyntheticState"/>).
    /// </summary>
    public ProposerDriver(int commandBytes, int snapshotBytes = 0)
    {
        _commandBytes = commandBytes;
        _snapshotBytes = snapshotBytes;

        Receive<StartProposing>(s =>
        {
            _leader = s.Leader;
            _leaderId = s.LeaderId;
            _leaderTerm = s.Term;
            Context.System.EventStream.Subscribe(Self, typeof(RaftRoleChanged));
            Resume();
            for (var i = 0; i < s.Proposers; i++) ProposeNext();
        });
        Receive<ProposeAccepted>(OnAccepted);
        Receive<Applied>(OnApplied);
        Receive<NotLeader>(n => Fail($"{n.PeerId} refused a proposal: not the leader (it knows of {n.LeaderId ?? "none"})"));
        Receive<RaftRoleChanged>(OnRoleChanged);
        // Every Applied up to r.LastApplied reached this actor before the request (one sender, one receiver).
        Receive<SnapshotRequested>(r => { if (_snapshotBytes > 0) Sender.Tell(new Snapshot(r.LastApplied, SyntheticState(r.LastApplied, _snapshotBytes))); });
    }

    /// <summary>
    /// The state a snapshot at <paramref name="index"/> holds: <paramref name="bytes"/> bytes, as a key-value store of a
    /// fixed set of keys would (its size does not grow with the log); fresh each time, as a state machine serializes it.
    /// </summary>
    public static byte[] SyntheticState(long index, int bytes)
    {
        var state = new byte[bytes];
        new Random(unchecked((int)index)).NextBytes(state); // incompressible, like values a client wrote
        return state;
    }

    private void ProposeNext()
    {
        // A fresh command each time, as a real client's would be; the leader keeps it in its log.
        var command = new byte[_commandBytes];
        BinaryPrimitives.WriteInt64LittleEndian(command, ++_sequence);
        _unaccepted.Enqueue(Stopwatch.GetTimestamp());
        _leader.Tell(new Propose(command), Self);
    }

    private void OnAccepted(ProposeAccepted accepted)
    {
        if (!_unaccepted.TryDequeue(out var sentAt))
        {
            Fail($"ProposeAccepted for index {accepted.Index} answers no outstanding proposal");
            return;
        }
        if (accepted.Term != _leaderTerm)
            Fail($"the leader accepted index {accepted.Index} at term {accepted.Term}, not {_leaderTerm}");
        _inflight[accepted.Index] = sentAt;
    }

    private void OnApplied(Applied applied)
    {
        // Every peer applies every entry; the command commits, from the client's view, when the leader applies it.
        if (applied.PeerId != _leaderId) return;
        var now = Stopwatch.GetTimestamp();
        if (!_inflight.Remove(applied.Index, out var sentAt)) return;
        if (applied.Term != _leaderTerm)
            Fail($"index {applied.Index} committed at term {applied.Term}, not the proposal's {_leaderTerm}");
        Record(sentAt, now);
        if (!Stopped) ProposeNext();
    }

    private void OnRoleChanged(RaftRoleChanged change)
    {
        // Any election during the run makes its numbers about recovery, not steady-state replication.
        if (change.Term != _leaderTerm || (change.PeerId == _leaderId && change.Role != RaftRole.Leader))
            Fail($"{change.PeerId} became {change.Role.ToString().ToLowerInvariant()} at term {change.Term} during the run (leader was {_leaderId} at term {_leaderTerm})");
    }
}

/// <summary>Start <see cref="Proposers"/> closed-loop proposers against <see cref="Leader"/>, the leader of <see cref="Term"/>.</summary>
internal sealed record StartProposing(IActorRef Leader, string LeaderId, long Term, int Proposers);
