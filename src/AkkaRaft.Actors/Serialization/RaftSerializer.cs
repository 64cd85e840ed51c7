using System.Runtime.Serialization;
using System.Text;
using Akka.Serialization;
using AkkaRaft.Actors.Log;
using AkkaRaft.Actors.Messages;
using AkkaRaft.Actors.Persistence;

namespace AkkaRaft.Actors.Serialization;

/// <summary>
/// Compact binary encoding of every AkkaRaft message that crosses the wire and every event the peer writes
/// to its journal. Each type has a short, stable manifest; integers are variable-length. Bytes that do not
/// decode raise a <see cref="SerializationException"/> naming the manifest and the problem, never a partial
/// object. Bound in <c>reference.conf</c>.
/// </summary>
public sealed class RaftSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id bound in reference.conf.</summary>
    public const int SerializerId = 4817;

    // Manifests are part of the storage and wire format: never change or reuse one.
    internal const string RequestVoteManifest = "RV";
    internal const string RequestVoteResultManifest = "RVR";
    internal const string AppendEntriesManifest = "AE";
    internal const string AppendEntriesResultManifest = "AER";
    internal const string InstallSnapshotManifest = "IS";
    internal const string InstallSnapshotResultManifest = "ISR";
    internal const string ProposeManifest = "P";
    internal const string ProposeAcceptedManifest = "PA";
    internal const string NotLeaderManifest = "NL";
    internal const string GetStateManifest = "GS";
    internal const string RaftStateManifest = "ST";
    internal const string HardStateManifest = "E-HS";
    internal const string EntriesAppendedManifest = "E-EA";
    internal const string LogTruncatedManifest = "E-LT";
    internal const string RaftSnapshotManifest = "S-RS";
    // "KG", "KQ", "KQ2", "KR" and "KR2" were the key-value store's messages before it moved to its own project and
    // serializer (id 4818), which keeps them: never reuse them here.

    /// <summary>Created by Akka.NET's serialization extension.</summary>
    public RaftSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        RequestVote => RequestVoteManifest,
        RequestVoteResult => RequestVoteResultManifest,
        AppendEntries => AppendEntriesManifest,
        AppendEntriesResult => AppendEntriesResultManifest,
        InstallSnapshot => InstallSnapshotManifest,
        InstallSnapshotResult => InstallSnapshotResultManifest,
        Propose => ProposeManifest,
        ProposeAccepted => ProposeAcceptedManifest,
        NotLeader => NotLeaderManifest,
        GetState => GetStateManifest,
        RaftState => RaftStateManifest,
        HardStateChanged => HardStateManifest,
        EntriesAppended => EntriesAppendedManifest,
        LogTruncated => LogTruncatedManifest,
        RaftSnapshot => RaftSnapshotManifest,
        _ => throw new ArgumentException($"{nameof(RaftSerializer)} cannot serialize {o.GetType().FullName}"),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream(obj switch
        {
            AppendEntries ae => 64 + ae.Entries.Sum(e => e.Command.Length + 12),
            InstallSnapshot snapshot => 64 + snapshot.Data.Length,
            RaftSnapshot snapshot => 64 + snapshot.State.Length + snapshot.Suffix.Sum(e => e.Command.Length + 12),
            _ => 64,
        });
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (obj)
            {
                case RequestVote m:
                    Header(w, m);
                    w.Write7BitEncodedInt64(m.LastLogIndex);
                    w.Write7BitEncodedInt64(m.LastLogTerm);
                    break;
                case RequestVoteResult m:
                    Header(w, m);
                    w.Write(m.VoteGranted);
                    break;
                case AppendEntries m:
                    Header(w, m);
                    w.Write7BitEncodedInt64(m.PrevLogIndex);
                    w.Write7BitEncodedInt64(m.PrevLogTerm);
                    w.Write7BitEncodedInt64(m.LeaderCommit);
                    w.Write7BitEncodedInt64(m.Round);
                    w.Write(m.AnswerSuccess);
                    WriteEntries(w, m.Entries);
                    break;
                case AppendEntriesResult m:
                    Header(w, m);
                    w.Write(m.Success);
                    w.Write7BitEncodedInt64(m.MatchIndex);
                    w.Write7BitEncodedInt64(m.RejectedPrevLogIndex);
                    w.Write7BitEncodedInt64(m.ConflictTerm);
                    w.Write7BitEncodedInt64(m.ConflictIndex);
                    w.Write7BitEncodedInt64(m.Round);
                    break;
                case InstallSnapshot m:
                    Header(w, m);
                    w.Write7BitEncodedInt64(m.LastIncludedIndex);
                    w.Write7BitEncodedInt64(m.LastIncludedTerm);
                    w.Write7BitEncodedInt64(m.Offset);
                    w.WriteBytes(m.Data);
                    w.Write(m.Done);
                    break;
                case InstallSnapshotResult m:
                    Header(w, m);
                    w.Write7BitEncodedInt64(m.LastIncludedIndex);
                    w.Write7BitEncodedInt64(m.NextOffset);
                    w.Write(m.Installed);
                    break;
                case Propose m:
                    w.WriteBytes(m.Command);
                    break;
                case ProposeAccepted m:
                    w.Write7BitEncodedInt64(m.Index);
                    w.Write7BitEncodedInt64(m.Term);
                    break;
                case NotLeader m:
                    w.Write(m.PeerId);
                    w.WriteOptional(m.LeaderId);
                    break;
                case GetState:
                    break;
                case RaftState m:
                    w.Write(m.PeerId);
                    w.Write7BitEncodedInt64(m.Term);
                    w.Write((byte)m.Role);
                    w.WriteOptional(m.LeaderId);
                    w.Write7BitEncodedInt64(m.LastLogIndex);
                    w.Write7BitEncodedInt64(m.CommitIndex);
                    w.Write7BitEncodedInt64(m.LastApplied);
                    w.Write7BitEncodedInt64(m.SnapshotIndex);
                    w.Write7BitEncodedInt64(m.LogBytes);
                    w.Write7BitEncodedInt64(m.SnapshotBytes);
                    break;
                case HardStateChanged e:
                    w.Write7BitEncodedInt64(e.Term);
                    w.WriteOptional(e.VotedFor);
                    break;
                case EntriesAppended e:
                    WriteEntries(w, e.Entries);
                    break;
                case LogTruncated e:
                    w.Write7BitEncodedInt64(e.FromIndex);
                    break;
                case RaftSnapshot e:
                    w.Write7BitEncodedInt64(e.Term);
                    w.WriteOptional(e.VotedFor);
                    w.Write7BitEncodedInt64(e.LastIncludedIndex);
                    w.Write7BitEncodedInt64(e.LastIncludedTerm);
                    w.WriteBytes(e.State);
                    WriteEntries(w, e.Suffix);
                    break;
                default:
                    throw new ArgumentException($"{nameof(RaftSerializer)} cannot serialize {obj.GetType().FullName}");
            }
        }
        return stream.ToArray();
    }

    /// <inheritdoc />
    /// <exception cref="SerializationException">The bytes are not a valid encoding for <paramref name="manifest"/>.</exception>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            var r = new WireReader(bytes);
            object result = manifest switch
            {
                RequestVoteManifest => new RequestVote(r.String(), r.String(), r.Long(), r.Long(), r.Long()),
                RequestVoteResultManifest => new RequestVoteResult(r.String(), r.String(), r.Long(), r.Bool()),
                AppendEntriesManifest => ReadAppendEntries(r),
                AppendEntriesResultManifest => new AppendEntriesResult(r.String(), r.String(), r.Long(), r.Bool(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long()),
                InstallSnapshotManifest => new InstallSnapshot(r.String(), r.String(), r.Long(), r.Long(), r.Long(), r.Long(), r.Bytes(), r.Bool()),
                InstallSnapshotResultManifest => new InstallSnapshotResult(r.String(), r.String(), r.Long(), r.Long(), r.Long(), r.Bool()),
                ProposeManifest => new Propose(r.Bytes()),
                ProposeAcceptedManifest => new ProposeAccepted(r.Long(), r.Long()),
                NotLeaderManifest => new NotLeader(r.String(), r.OptionalString()),
                GetStateManifest => GetState.Instance,
                RaftStateManifest => new RaftState(r.String(), r.Long(), r.Enum<RaftRole>(), r.OptionalString(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long()),
                HardStateManifest => new HardStateChanged(r.Long(), r.OptionalString()),
                EntriesAppendedManifest => new EntriesAppended(r.Entries()),
                LogTruncatedManifest => new LogTruncated(r.Long()),
                RaftSnapshotManifest => new RaftSnapshot(r.Long(), r.OptionalString(), r.Long(), r.Long(), r.Bytes(), r.Entries()),
                _ => throw new SerializationException($"unknown AkkaRaft manifest '{manifest}'"),
            };
            r.End();
            return result;
        }
        catch (Exception e) when (WireReader.IsDecodeError(e))
        {
            throw new SerializationException($"cannot decode AkkaRaft '{manifest}' from {bytes.Length} bytes: {e.Message}", e);
        }
    }

    private static AppendEntries ReadAppendEntries(WireReader r)
    {
        var (clusterId, from, term) = (r.String(), r.String(), r.Long());
        var (prevIndex, prevTerm, commit, round, answer) = (r.Long(), r.Long(), r.Long(), r.Long(), r.Bool());
        return new AppendEntries(clusterId, from, term, prevIndex, prevTerm, r.Entries(), commit, round, answer);
    }

    private static void Header(BinaryWriter w, IRaftMessage m)
    {
        w.Write(m.ClusterId);
        w.Write(m.From);
        w.Write7BitEncodedInt64(m.Term);
    }

    private static void WriteEntries(BinaryWriter w, IReadOnlyList<LogEntry> entries)
    {
        w.Write7BitEncodedInt(entries.Count);
        foreach (var e in entries)
        {
            w.Write7BitEncodedInt64(e.Index);
            w.Write7BitEncodedInt64(e.Term);
            w.WriteBytes(e.Command);
        }
    }
}
