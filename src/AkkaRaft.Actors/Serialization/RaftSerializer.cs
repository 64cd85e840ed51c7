using System.Runtime.Serialization;
using System.Text;
using Akka.Serialization;
using AkkaRaft.Actors.KeyValue;
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
/// <remarks>
/// The Raft messages and journal events carry their format version in the manifest: <c>AE</c> is version 1 (the
/// manifests of the first format, without a version), <c>AE.2</c> version 2, and so on. Every version this node knows
/// is read; the newest is written. A manifest of a later version is refused with a message naming both versions.
/// The version costs nothing per message: the manifests are constants and the bytes are unchanged.
/// </remarks>
public sealed class RaftSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id bound in reference.conf.</summary>
    public const int SerializerId = 4817;

    // Manifests are part of the storage and wire format: never change or reuse one. A Raft manifest without a
    // version is version 1; "<base>.<n>" is version n of that type. A new encoding of a type gets a new version,
    // read beside the old ones, never a changed meaning of an existing manifest.
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

    /// <summary>The oldest and newest format versions of the Raft messages and events this node reads.</summary>
    internal const int OldestVersion = 1, NewestVersion = 2;
    // Version 2 has the same bytes as version 1: it makes the version explicit, so that a node of a later version can
    // tell an older frame from an unknown one, and an older node names the version it does not read.
    private const string V2 = ".2";
    internal const string RequestVoteManifestV2 = RequestVoteManifest + V2;
    internal const string RequestVoteResultManifestV2 = RequestVoteResultManifest + V2;
    internal const string AppendEntriesManifestV2 = AppendEntriesManifest + V2;
    internal const string AppendEntriesResultManifestV2 = AppendEntriesResultManifest + V2;
    internal const string InstallSnapshotManifestV2 = InstallSnapshotManifest + V2;
    internal const string InstallSnapshotResultManifestV2 = InstallSnapshotResultManifest + V2;
    internal const string ProposeManifestV2 = ProposeManifest + V2;
    internal const string ProposeAcceptedManifestV2 = ProposeAcceptedManifest + V2;
    internal const string NotLeaderManifestV2 = NotLeaderManifest + V2;
    internal const string GetStateManifestV2 = GetStateManifest + V2;
    internal const string RaftStateManifestV2 = RaftStateManifest + V2;
    internal const string HardStateManifestV2 = HardStateManifest + V2;
    internal const string EntriesAppendedManifestV2 = EntriesAppendedManifest + V2;
    internal const string LogTruncatedManifestV2 = LogTruncatedManifest + V2;
    internal const string RaftSnapshotManifestV2 = RaftSnapshotManifest + V2;

    /// <summary>The manifests of version 1, which name each versioned type.</summary>
    internal static readonly IReadOnlySet<string> VersionedBases = new HashSet<string>(StringComparer.Ordinal)
    {
        RequestVoteManifest, RequestVoteResultManifest, AppendEntriesManifest, AppendEntriesResultManifest,
        InstallSnapshotManifest, InstallSnapshotResultManifest, ProposeManifest, ProposeAcceptedManifest,
        NotLeaderManifest, GetStateManifest, RaftStateManifest, HardStateManifest, EntriesAppendedManifest,
        LogTruncatedManifest, RaftSnapshotManifest,
    };
    // "KQ" and "KR" carried the requests and answers of clients with string ids, before sessions were registered
    // through the log: retired, refused with a clear error, never to be reused.
    internal const string RetiredKvRequestManifest = "KQ";
    internal const string RetiredKvResponseManifest = "KR";
    internal const string KvRegisterManifest = "KG";
    internal const string KvRequestManifest = "KQ2";
    internal const string KvResponseManifest = "KR2";

    /// <summary>Created by Akka.NET's serialization extension.</summary>
    public RaftSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        RequestVote => RequestVoteManifestV2,
        RequestVoteResult => RequestVoteResultManifestV2,
        AppendEntries => AppendEntriesManifestV2,
        AppendEntriesResult => AppendEntriesResultManifestV2,
        InstallSnapshot => InstallSnapshotManifestV2,
        InstallSnapshotResult => InstallSnapshotResultManifestV2,
        Propose => ProposeManifestV2,
        ProposeAccepted => ProposeAcceptedManifestV2,
        NotLeader => NotLeaderManifestV2,
        GetState => GetStateManifestV2,
        RaftState => RaftStateManifestV2,
        HardStateChanged => HardStateManifestV2,
        EntriesAppended => EntriesAppendedManifestV2,
        LogTruncated => LogTruncatedManifestV2,
        RaftSnapshot => RaftSnapshotManifestV2,
        KvRegister => KvRegisterManifest,
        KvRequest => KvRequestManifest,
        KvResponse => KvResponseManifest,
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
                    WriteBytes(w, m.Data);
                    w.Write(m.Done);
                    break;
                case InstallSnapshotResult m:
                    Header(w, m);
                    w.Write7BitEncodedInt64(m.LastIncludedIndex);
                    w.Write7BitEncodedInt64(m.NextOffset);
                    w.Write(m.Installed);
                    break;
                case Propose m:
                    WriteBytes(w, m.Command);
                    break;
                case ProposeAccepted m:
                    w.Write7BitEncodedInt64(m.Index);
                    w.Write7BitEncodedInt64(m.Term);
                    break;
                case NotLeader m:
                    w.Write(m.PeerId);
                    WriteOptional(w, m.LeaderId);
                    break;
                case GetState:
                    break;
                case RaftState m:
                    w.Write(m.PeerId);
                    w.Write7BitEncodedInt64(m.Term);
                    w.Write((byte)m.Role);
                    WriteOptional(w, m.LeaderId);
                    w.Write7BitEncodedInt64(m.LastLogIndex);
                    w.Write7BitEncodedInt64(m.CommitIndex);
                    w.Write7BitEncodedInt64(m.LastApplied);
                    w.Write7BitEncodedInt64(m.SnapshotIndex);
                    w.Write7BitEncodedInt64(m.LogBytes);
                    w.Write7BitEncodedInt64(m.SnapshotBytes);
                    break;
                case HardStateChanged e:
                    w.Write7BitEncodedInt64(e.Term);
                    WriteOptional(w, e.VotedFor);
                    break;
                case EntriesAppended e:
                    WriteEntries(w, e.Entries);
                    break;
                case LogTruncated e:
                    w.Write7BitEncodedInt64(e.FromIndex);
                    break;
                case KvRegister:
                    break;
                case KvRequest m:
                    w.Write7BitEncodedInt64(m.SessionId);
                    w.Write7BitEncodedInt64(m.Sequence);
                    w.Write((byte)m.Operation);
                    w.Write(m.Key);
                    w.Write(m.Value);
                    break;
                case KvResponse m:
                    w.Write7BitEncodedInt64(m.SessionId);
                    w.Write7BitEncodedInt64(m.Sequence);
                    w.Write((byte)m.Status);
                    WriteOptional(w, m.Value);
                    WriteOptional(w, m.LeaderId);
                    break;
                case RaftSnapshot e:
                    w.Write7BitEncodedInt64(e.Term);
                    WriteOptional(w, e.VotedFor);
                    w.Write7BitEncodedInt64(e.LastIncludedIndex);
                    w.Write7BitEncodedInt64(e.LastIncludedTerm);
                    WriteBytes(w, e.State);
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
            var r = new Reader(bytes);
            object result = manifest switch
            {
                RequestVoteManifest or RequestVoteManifestV2 => new RequestVote(r.String(), r.String(), r.Long(), r.Long(), r.Long()),
                RequestVoteResultManifest or RequestVoteResultManifestV2 => new RequestVoteResult(r.String(), r.String(), r.Long(), r.Bool()),
                AppendEntriesManifest or AppendEntriesManifestV2 => ReadAppendEntries(r),
                AppendEntriesResultManifest or AppendEntriesResultManifestV2 => new AppendEntriesResult(r.String(), r.String(), r.Long(), r.Bool(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long()),
                InstallSnapshotManifest or InstallSnapshotManifestV2 => new InstallSnapshot(r.String(), r.String(), r.Long(), r.Long(), r.Long(), r.Long(), r.Bytes(), r.Bool()),
                InstallSnapshotResultManifest or InstallSnapshotResultManifestV2 => new InstallSnapshotResult(r.String(), r.String(), r.Long(), r.Long(), r.Long(), r.Bool()),
                ProposeManifest or ProposeManifestV2 => new Propose(r.Bytes()),
                ProposeAcceptedManifest or ProposeAcceptedManifestV2 => new ProposeAccepted(r.Long(), r.Long()),
                NotLeaderManifest or NotLeaderManifestV2 => new NotLeader(r.String(), r.OptionalString()),
                GetStateManifest or GetStateManifestV2 => GetState.Instance,
                RaftStateManifest or RaftStateManifestV2 => new RaftState(r.String(), r.Long(), r.Role(), r.OptionalString(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long()),
                HardStateManifest or HardStateManifestV2 => new HardStateChanged(r.Long(), r.OptionalString()),
                EntriesAppendedManifest or EntriesAppendedManifestV2 => new EntriesAppended(r.Entries()),
                LogTruncatedManifest or LogTruncatedManifestV2 => new LogTruncated(r.Long()),
                KvRegisterManifest => KvRegister.Instance,
                KvRequestManifest => new KvRequest(r.Long(), r.Long(), r.Enum<KvOperation>(), r.String(), r.String()),
                KvResponseManifest => new KvResponse(r.Long(), r.Long(), r.Enum<KvStatus>(), r.OptionalString(), r.OptionalString()),
                RetiredKvRequestManifest or RetiredKvResponseManifest => throw new SerializationException(
                    $"AkkaRaft '{manifest}' is a key-value message of an older version (string client ids); upgrade that client"),
                RaftSnapshotManifest or RaftSnapshotManifestV2 => new RaftSnapshot(r.Long(), r.OptionalString(), r.Long(), r.Long(), r.Bytes(), r.Entries()),
                _ => throw UnknownManifest(manifest),
            };
            r.End();
            return result;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or DecoderFallbackException or OverflowException or InvalidDataException)
        {
            throw new SerializationException($"cannot decode AkkaRaft '{manifest}' from {bytes.Length} bytes: {e.Message}", e);
        }
    }

    /// <summary>
    /// The error for a manifest this node does not read: a later version of a type it knows says which version it
    /// found and which it reads, so the operator knows which node to upgrade.
    /// </summary>
    private static SerializationException UnknownManifest(string manifest)
    {
        var dot = manifest.LastIndexOf('.');
        if (dot > 0 && VersionedBases.Contains(manifest[..dot])
            && int.TryParse(manifest.AsSpan(dot + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version)
            && version > NewestVersion)
        {
            return new SerializationException(
                $"AkkaRaft '{manifest}' is version {version}; this node reads versions {OldestVersion}-{NewestVersion}: upgrade it");
        }
        return new SerializationException($"unknown AkkaRaft manifest '{manifest}'");
    }

    private static AppendEntries ReadAppendEntries(Reader r)
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
            WriteBytes(w, e.Command);
        }
    }

    private static void WriteBytes(BinaryWriter w, byte[] bytes)
    {
        w.Write7BitEncodedInt(bytes.Length);
        w.Write(bytes);
    }

    private static void WriteOptional(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null) w.Write(value);
    }

    /// <summary>Reads with every length checked against what remains, so hostile bytes cannot make it allocate.</summary>
    private sealed class Reader
    {
        private readonly BinaryReader _r;
        private readonly long _length;

        public Reader(byte[] bytes)
        {
            _length = bytes.Length;
            _r = new BinaryReader(new MemoryStream(bytes, writable: false), new UTF8Encoding(false, throwOnInvalidBytes: true));
        }

        private long Remaining => _length - _r.BaseStream.Position;

        public long Long() => _r.Read7BitEncodedInt64();

        public bool Bool() => _r.ReadByte() switch
        {
            0 => false,
            1 => true,
            var b => throw new InvalidDataException($"byte {b} is not a boolean"),
        };

        public string String()
        {
            var length = _r.Read7BitEncodedInt();
            if (length < 0 || length > Remaining) throw new InvalidDataException($"string of {length} bytes with {Remaining} left");
            _r.BaseStream.Position -= SizeOf7Bit(length);
            return _r.ReadString();
        }

        public string? OptionalString() => Bool() ? String() : null;

        public byte[] Bytes()
        {
            var length = _r.Read7BitEncodedInt();
            if (length < 0 || length > Remaining) throw new InvalidDataException($"{length} command bytes with {Remaining} left");
            return _r.ReadBytes(length);
        }

        public RaftRole Role() => Enum<RaftRole>();

        public T Enum<T>() where T : struct, Enum
        {
            var b = _r.ReadByte();
            var value = (T)System.Enum.ToObject(typeof(T), b);
            return System.Enum.IsDefined(value) ? value : throw new InvalidDataException($"byte {b} is not a {typeof(T).Name}");
        }

        public IReadOnlyList<LogEntry> Entries()
        {
            var count = _r.Read7BitEncodedInt();
            // Every entry takes at least three bytes (index, term, length), which bounds a hostile count.
            if (count < 0 || count > Remaining / 3) throw new InvalidDataException($"{count} entries with {Remaining} bytes left");
            var entries = new LogEntry[count];
            for (var i = 0; i < count; i++) entries[i] = new LogEntry(Long(), Long(), Bytes());
            return entries;
        }

        public void End()
        {
            if (Remaining != 0) throw new InvalidDataException($"{Remaining} unexpected trailing bytes");
        }

        private static int SizeOf7Bit(int value)
        {
            var size = 1;
            while ((value >>= 7) != 0) size++;
            return size;
        }
    }
}
