using System.Runtime.Serialization;
using System.Text;
using Akka.Serialization;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;
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
/// is read; the newest is written, except that a version added for new data (version 3 of the entry lists, which
/// carries entry kinds) is written only when that data is present. A manifest of a later version is refused with a
/// message naming both versions. The version costs nothing per message: the manifests are constants.
/// </remarks>
internal sealed partial class RaftSerializer : SerializerWithStringManifest
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
    // Types added in version 2: they have no version 1.
    internal const string TransferVoteManifest = "RVT";
    internal const string TimeoutNowManifest = "TN";
    internal const string TransferLeadershipManifest = "TL";
    internal const string TransferStartedManifest = "TLS";
    internal const string TransferRefusedManifest = "TLR";
    internal const string TransferInProgressManifest = "TIP";

    /// <summary>The oldest and newest format versions of the Raft messages and events this node reads.</summary>
    internal const int OldestVersion = 1, NewestVersion = 2;

    /// <summary>
    /// The newest version of a type this node reads: <see cref="NewestVersion"/>, 4 for RaftState (3 is a leader's, 4 a
    /// non-member's), and 3 for entry lists that hold a configuration entry (AppendEntries, EntriesAppended, RaftSnapshot).
    /// </summary>
    internal static int NewestVersionOf(string versionBase) => versionBase switch
    {
        RaftStateManifest => 4,
        AppendEntriesManifest or EntriesAppendedManifest or RaftSnapshotManifest or InstallSnapshotManifest => 3,
        _ => NewestVersion,
    };
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
    /// <summary>A leader's state, with when it last heard from each follower; other states keep version 2.</summary>
    internal const string RaftStateManifestV3 = RaftStateManifest + ".3";
    internal const string HardStateManifestV2 = HardStateManifest + V2;
    internal const string EntriesAppendedManifestV2 = EntriesAppendedManifest + V2;
    internal const string LogTruncatedManifestV2 = LogTruncatedManifest + V2;
    internal const string RaftSnapshotManifestV2 = RaftSnapshotManifest + V2;
    internal const string TransferVoteManifestV2 = TransferVoteManifest + V2;
    internal const string TimeoutNowManifestV2 = TimeoutNowManifest + V2;
    internal const string TransferLeadershipManifestV2 = TransferLeadershipManifest + V2;
    internal const string TransferStartedManifestV2 = TransferStartedManifest + V2;
    internal const string TransferRefusedManifestV2 = TransferRefusedManifest + V2;
    internal const string TransferInProgressManifestV2 = TransferInProgressManifest + V2;
    // Pre-vote came with version 2: its types have no version 1, and read only as ".2" (a bare "PV" is unknown).
    internal const string PreVoteManifest = "PV";
    internal const string PreVoteResultManifest = "PVR";
    internal const string PreVoteManifestV2 = PreVoteManifest + V2;
    internal const string PreVoteResultManifestV2 = PreVoteResultManifest + V2;

    /// <summary>The manifests of version 1, which name each versioned type.</summary>
    internal static readonly IReadOnlySet<string> VersionedBases = new HashSet<string>(MembershipBases, StringComparer.Ordinal)
    {
        RequestVoteManifest, RequestVoteResultManifest, AppendEntriesManifest, AppendEntriesResultManifest,
        InstallSnapshotManifest, InstallSnapshotResultManifest, ProposeManifest, ProposeAcceptedManifest,
        NotLeaderManifest, GetStateManifest, RaftStateManifest, HardStateManifest, EntriesAppendedManifest,
        LogTruncatedManifest, RaftSnapshotManifest, TransferVoteManifest, TimeoutNowManifest, TransferLeadershipManifest,
        TransferStartedManifest, TransferRefusedManifest, TransferInProgressManifest, PreVoteManifest, PreVoteResultManifest,
    };
    // "KG", "KQ", "KQ2", "KR" and "KR2" were the key-value store's messages before it moved to its own project and
    // serializer (id 4818), which keeps them: never reuse them here.

    /// <summary>Created by Akka.NET's serialization extension.</summary>
    public RaftSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        RequestVote { Transfer: true } => TransferVoteManifestV2,
        RequestVote => RequestVoteManifestV2,
        TimeoutNow => TimeoutNowManifestV2,
        TransferLeadership => TransferLeadershipManifestV2,
        TransferLeadershipStarted => TransferStartedManifestV2,
        TransferLeadershipRefused => TransferRefusedManifestV2,
        TransferInProgress => TransferInProgressManifestV2,
        RequestVoteResult => RequestVoteResultManifestV2,
        AppendEntries ae when HasConfiguration(ae.Entries) => AppendEntriesManifestV3,
        AppendEntries => AppendEntriesManifestV2,
        AppendEntriesResult => AppendEntriesResultManifestV2,
        InstallSnapshot { Configuration: not null } => InstallSnapshotManifestV3,
        InstallSnapshot => InstallSnapshotManifestV2,
        InstallSnapshotResult => InstallSnapshotResultManifestV2,
        Propose => ProposeManifestV2,
        ProposeAccepted => ProposeAcceptedManifestV2,
        NotLeader => NotLeaderManifestV2,
        GetState => GetStateManifestV2,
        RaftState { IsMember: false } => RaftStateManifestV4,
        RaftState { Followers: not null } => RaftStateManifestV3,
        RaftState => RaftStateManifestV2,
        HardStateChanged => HardStateManifestV2,
        EntriesAppended e when HasConfiguration(e.Entries) => EntriesAppendedManifestV3,
        EntriesAppended => EntriesAppendedManifestV2,
        LogTruncated => LogTruncatedManifestV2,
        RaftSnapshot s when NeedsVersion3(s) => RaftSnapshotManifestV3,
        RaftSnapshot => RaftSnapshotManifestV2,
        PreVote => PreVoteManifestV2,
        PreVoteResult => PreVoteResultManifestV2,
        _ => MembershipManifest(o) ?? throw new ArgumentException($"{nameof(RaftSerializer)} cannot serialize {o.GetType().FullName}"),
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
                case PreVote m:
                    Header(w, m);
                    w.Write7BitEncodedInt64(m.LastLogIndex);
                    w.Write7BitEncodedInt64(m.LastLogTerm);
                    break;
                case PreVoteResult m:
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
                    WriteEntries(w, m.Entries, HasConfiguration(m.Entries));
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
                case TimeoutNow m:
                    Header(w, m);
                    break;
                case TransferLeadership m:
                    w.WriteOptional(m.Target);
                    break;
                case TransferLeadershipStarted m:
                    w.Write(m.PeerId);
                    w.Write(m.Target);
                    break;
                case TransferLeadershipRefused m:
                    w.Write(m.PeerId);
                    w.Write(m.Reason);
                    break;
                case TransferInProgress m:
                    w.Write(m.PeerId);
                    w.Write(m.Target);
                    w.WriteBytes(m.Proposal.Command);
                    break;
                case InstallSnapshot m:
                    Header(w, m);
                    w.Write7BitEncodedInt64(m.LastIncludedIndex);
                    w.Write7BitEncodedInt64(m.LastIncludedTerm);
                    w.Write7BitEncodedInt64(m.Offset);
                    w.WriteBytes(m.Data);
                    w.Write(m.Done);
                    if (m.Configuration is { } configuration) WriteConfiguration(w, configuration);
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
                    WriteState(w, m);
                    break;
                case HardStateChanged e:
                    w.Write7BitEncodedInt64(e.Term);
                    w.WriteOptional(e.VotedFor);
                    break;
                case EntriesAppended e:
                    WriteEntries(w, e.Entries, HasConfiguration(e.Entries));
                    break;
                case LogTruncated e:
                    w.Write7BitEncodedInt64(e.FromIndex);
                    break;
                case RaftSnapshot e:
                    WriteSnapshot(w, e);
                    break;
                default:
                    if (WriteMembership(w, obj)) break;
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
                RequestVoteManifest or RequestVoteManifestV2 => new RequestVote(r.String(), r.String(), r.Long(), r.Long(), r.Long()),
                TransferVoteManifestV2 => new RequestVote(r.String(), r.String(), r.Long(), r.Long(), r.Long()) { Transfer = true },
                TimeoutNowManifestV2 => new TimeoutNow(r.String(), r.String(), r.Long()),
                TransferLeadershipManifestV2 => new TransferLeadership(r.OptionalString()),
                TransferStartedManifestV2 => new TransferLeadershipStarted(r.String(), r.String()),
                TransferRefusedManifestV2 => new TransferLeadershipRefused(r.String(), r.String()),
                TransferInProgressManifestV2 => new TransferInProgress(r.String(), r.String(), new Propose(r.Bytes())),
                RequestVoteResultManifest or RequestVoteResultManifestV2 => new RequestVoteResult(r.String(), r.String(), r.Long(), r.Bool()),
                PreVoteManifestV2 => new PreVote(r.String(), r.String(), r.Long(), r.Long(), r.Long()),
                PreVoteResultManifestV2 => new PreVoteResult(r.String(), r.String(), r.Long(), r.Bool()),
                AppendEntriesManifest or AppendEntriesManifestV2 => ReadAppendEntries(r, withKinds: false),
                AppendEntriesManifestV3 => ReadAppendEntries(r, withKinds: true),
                AppendEntriesResultManifest or AppendEntriesResultManifestV2 => new AppendEntriesResult(r.String(), r.String(), r.Long(), r.Bool(), r.Long(), r.Long(), r.Long(), r.Long()) { Round = r.Long() },
                InstallSnapshotManifest or InstallSnapshotManifestV2 => new InstallSnapshot(r.String(), r.String(), r.Long(), r.Long(), r.Long(), r.Long(), r.Bytes(), r.Bool()),
                InstallSnapshotManifestV3 => ReadInstallSnapshotWithConfiguration(r),
                InstallSnapshotResultManifest or InstallSnapshotResultManifestV2 => new InstallSnapshotResult(r.String(), r.String(), r.Long(), r.Long(), r.Long(), r.Bool()),
                ProposeManifest or ProposeManifestV2 => new Propose(r.Bytes()),
                ProposeAcceptedManifest or ProposeAcceptedManifestV2 => new ProposeAccepted(r.Long(), r.Long()),
                NotLeaderManifest or NotLeaderManifestV2 => new NotLeader(r.String(), r.OptionalString()),
                GetStateManifest or GetStateManifestV2 => GetState.Instance,
                RaftStateManifest or RaftStateManifestV2 => ReadState(r),
                RaftStateManifestV3 => ReadState(r) with { Followers = ReadFollowers(r) },
                HardStateManifest or HardStateManifestV2 => new HardStateChanged(r.Long(), r.OptionalString()),
                EntriesAppendedManifest or EntriesAppendedManifestV2 => new EntriesAppended(r.Entries()),
                EntriesAppendedManifestV3 => new EntriesAppended(ReadEntries(r, withKinds: true)),
                LogTruncatedManifest or LogTruncatedManifestV2 => new LogTruncated(r.Long()),
                RaftSnapshotManifest or RaftSnapshotManifestV2 => ReadSnapshot(r, version3: false),
                RaftSnapshotManifestV3 => ReadSnapshot(r, version3: true),
                _ => ReadMembership(r, manifest) ?? throw UnknownManifest(manifest),
            };
            r.End();
            return result;
        }
        catch (Exception e) when (WireReader.IsDecodeError(e))
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
            && version > NewestVersionOf(manifest[..dot]))
        {
            return new SerializationException(
                $"AkkaRaft '{manifest}' is version {version}; this node reads versions {OldestVersion}-{NewestVersionOf(manifest[..dot])}: upgrade it");
        }
        return new SerializationException($"unknown AkkaRaft manifest '{manifest}'");
    }
}
