using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.TestKit;

// The checks on what each peer applies, and the state machine each peer applies to.
public sealed partial class RaftCluster
{

    internal void OnApplied(int peer, int incarnation, Applied applied, IActorRef replyTo)
    {
        byte[]? snapshot = null;
        lock (_gate)
        {
            if (incarnation != _incarnation[peer]) return; // a message from a crashed incarnation
            if (applied.Index != _lastApplied[peer] + 1)
                _applyErrors.Add($"{Id(peer)} applied index {applied.Index} after {_lastApplied[peer]} (out of order, a gap or a repeat)");
            CheckAgainstOthers(peer, applied.Index, applied.Command);
            _applied[peer][applied.Index] = applied.Command;
            _lastApplied[peer] = Math.Max(_lastApplied[peer], applied.Index);
            if (SnapshotEvery > 0 && applied.Index % SnapshotEvery == 0)
                snapshot = EncodeSnapshot(peer, applied.Index);
            Pulse();
        }
        if (snapshot is not null) replyTo.Tell(new Snapshot(applied.Index, snapshot));
    }

    /// <summary>An installed snapshot (Raft §7): the state machine takes the snapshot's commands as its applied log up to its index.</summary>
    internal void OnSnapshotInstalled(int peer, int incarnation, SnapshotInstalled installed)
    {
        lock (_gate)
        {
            if (incarnation != _incarnation[peer]) return;
            if (installed.Index < _lastApplied[peer])
                _applyErrors.Add($"{Id(peer)} was given a snapshot at {installed.Index}, behind what it applied ({_lastApplied[peer]})");
            List<byte[]> commands;
            try { commands = DecodeSnapshot(installed.State); }
            catch (InvalidDataException e) { _applyErrors.Add($"{Id(peer)} got an undecodable snapshot: {e.Message}"); return; }
            if (commands.Count != installed.Index)
                _applyErrors.Add($"{Id(peer)}'s snapshot at {installed.Index} holds {commands.Count} commands");
            _applied[peer].Clear();
            for (var k = 0; k < commands.Count; k++)
            {
                CheckAgainstOthers(peer, k + 1, commands[k]);
                _applied[peer][k + 1] = commands[k];
            }
            _lastApplied[peer] = installed.Index;
            Pulse();
        }
    }

    private void CheckAgainstOthers(int peer, long index, byte[] command)
    {
        for (var j = 0; j < N; j++)
        {
            if (_applied[j].TryGetValue(index, out var other) && !other.AsSpan().SequenceEqual(command))
                _applyErrors.Add($"commit index={index} server={Id(peer)} {Describe(command)} != server={Id(j)} {Describe(other)}");
        }
    }

    private void Pulse()
    {
        var pulse = _appliedPulse;
        _appliedPulse = NewPulse();
        pulse.TrySetResult();
    }

    /// <summary>Every command applied at 1..<paramref name="index"/>, length-prefixed: the state machine's snapshot.</summary>
    private byte[] EncodeSnapshot(int peer, long index)
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream);
        for (long k = 1; k <= index; k++)
        {
            if (!_applied[peer].TryGetValue(k, out var c))
            {
                _applyErrors.Add($"{Id(peer)} has no command at {k} to snapshot");
                c = [];
            }
            w.Write(c.Length);
            w.Write(c);
        }
        w.Flush();
        return stream.ToArray();
    }

    private static List<byte[]> DecodeSnapshot(byte[] state)
    {
        var commands = new List<byte[]>();
        using var r = new BinaryReader(new MemoryStream(state));
        try
        {
            while (r.BaseStream.Position < r.BaseStream.Length)
            {
                var length = r.ReadInt32();
                if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position) throw new InvalidDataException($"command of {length} bytes");
                commands.Add(r.ReadBytes(length));
            }
        }
        catch (EndOfStreamException e) { throw new InvalidDataException(e.Message); }
        return commands;
    }

    /// <summary>Throws a <see cref="RaftTestKitException"/> naming every apply error so far: a peer applying out of order, with a gap or a
    /// repeat, or two peers applying different commands at one index.</summary>
    public void ThrowIfApplyErrors()
    {
        lock (_gate)
        {
            if (_applyErrors.Count > 0) throw new RaftTestKitException("apply error: " + string.Join("; ", _applyErrors));
        }
    }

    private Task WaitForApply(TimeSpan atMost)
    {
        Task pulse;
        lock (_gate) pulse = _appliedPulse.Task;
        return Task.WhenAny(pulse, Task.Delay(atMost));
    }

    private static TaskCompletionSource NewPulse() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A peer's state machine: records what it applies, snapshots as configured, ingests installed snapshots.</summary>
    private sealed class ApplierActor : ReceiveActor
    {
        public ApplierActor(RaftCluster cluster, int peer, int incarnation)
        {
            Receive<Applied>(a => cluster.OnApplied(peer, incarnation, a, Sender));
            Receive<SnapshotInstalled>(s => cluster.OnSnapshotInstalled(peer, incarnation, s));
        }
    }
}
