using System.Runtime.Serialization;
using Akka.TestKit.Xunit2;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Persistence;
using AkkaRaft.Actors.Serialization;

namespace AkkaRaft.Tests.Serialization;

public sealed class RaftSerializerTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly RaftSerializer _serializer;

    public RaftSerializerTests() : base("akka.loglevel = WARNING") =>
        _serializer = new RaftSerializer((ExtendedActorSystem)Sys);

    private static readonly LogEntry[] SomeEntries =
    [
        new(7, 3, [1, 2, 3]),
        new(8, 3, []),
        new(9, 4, Enumerable.Range(0, 300).Select(i => (byte)i).ToArray()),
    ];

    /// <summary>One instance of every type the serializer owns, with non-default values in every field.</summary>
    public static TheoryData<object> Samples() => new()
    {
        new RequestVote("c1", "n1", 5, 120, 4),
        new RequestVoteResult("c1", "n2", 5, true),
        new RequestVoteResult("clüster", "n2", long.MaxValue, false),
        new AppendEntries("c1", "n1", 5, 6, 3, SomeEntries, 6),
        new AppendEntries("c1", "n1", 5, 0, 0, Array.Empty<LogEntry>(), 0),
        new AppendEntries("c1", "n1", 5, 7, 3, Array.Empty<LogEntry>(), 7) { AnswerSuccess = false },
        new AppendEntriesResult("c1", "n3", 5, true, 9, 0, 0, 0),
        new AppendEntriesResult("c1", "n3", 5, false, 0, 12, 2, 10),
        new InstallSnapshot("c1", "n1", 5, 100, 4, 65536, [1, 2, 3, 4], false),
        new InstallSnapshot("c1", "n1", 5, 100, 4, 0, [], true),
        new InstallSnapshotResult("c1", "n2", 5, 100, 65540, false),
        new InstallSnapshotResult("c1", "n2", 5, 100, 0, true),
        new Propose([9, 8, 7]),
        new ProposeAccepted(10, 5),
        new NotLeader("n2", "n1"),
        new NotLeader("n2", null),
        GetState.Instance,
        new RaftState("n1", 5, RaftRole.Leader, "n1", 10, 9, 8, 4, 1234, 99),
        new RaftState("n3", 0, RaftRole.Follower, null, 0, 0, 0),
        new RaftState("n1", 5, RaftRole.Leader, "n1", 10, 9, 8) { Followers = [new FollowerContact("n2", TimeSpan.FromMilliseconds(12)), new FollowerContact("n3", null)] },
        new HardStateChanged(5, "n2"),
        new HardStateChanged(6, null),
        new EntriesAppended(SomeEntries),
        new LogTruncated(7),
        new RaftSnapshot(6, "n2", 100, 4, [7, 7, 7], SomeEntries),
        new RaftSnapshot(6, null, 0, 0, [], []),
        new AppendEntries("c1", "n1", 5, 6, 3, SomeEntries, 6) { Round = 42 },
        new AppendEntriesResult("c1", "n3", 5, true, 9, 0, 0, 0) { Round = 42 },
        new RequestVote("c1", "n2", 6, 120, 5) { Transfer = true },
        new TimeoutNow("c1", "n1", 5),
        new TransferLeadership("n2"),
        new TransferLeadership(),
        new TransferLeadershipStarted("n1", "n2"),
        new TransferLeadershipRefused("n1", "'n9' is not a voter"),
        new TransferInProgress("n1", "n2", new Propose([1, 2])),
        new PreVote("c1", "n1", 6, 120, 4),
        new PreVoteResult("c1", "n2", 6, true),
        new PreVoteResult("clüster", "n2", long.MaxValue, false),
        new RaftState("n2", 5, RaftRole.PreCandidate, null, 10, 9, 8),
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_type_round_trips(object original)
    {
        var bytes = _serializer.ToBinary(original);
        var back = _serializer.FromBinary(bytes, _serializer.Manifest(original));
        Assert.Equal(Describe(original), Describe(back));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void The_system_binds_every_type_to_this_serializer(object original)
    {
        AkkaRaft.Actors.RaftExtension.Get(Sys);
        Assert.IsType<RaftSerializer>(Sys.Serialization.FindSerializerFor(original));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Truncated_bytes_give_a_serialization_error(object original)
        => SerializerChecks.TruncatedBytesFail(_serializer, original);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Trailing_bytes_give_a_serialization_error(object original)
        => SerializerChecks.TrailingBytesFail(_serializer, original);

    [Fact]
    public void Random_bytes_never_throw_anything_but_a_serialization_error()
        => SerializerChecks.RandomBytesFailOnlyAsSerializationErrors(_serializer, Samples());

    [Fact]
    public void A_huge_declared_length_is_refused_without_allocating_it()
    {
        // Propose: a 7-bit length of 2^31-1 followed by nothing.
        byte[] bytes = [0xFF, 0xFF, 0xFF, 0xFF, 0x07];
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, RaftSerializer.ProposeManifest));
        Assert.Contains("left", e.Message);
    }

    [Fact]
    public void An_unknown_manifest_is_named_in_the_error()
    {
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary([], "XYZ"));
        Assert.Contains("XYZ", e.Message);
    }

    /// <summary>Records compare byte arrays by reference; compare their contents instead.</summary>
    private static string Describe(object o) => o switch
    {
        AppendEntries ae => $"{ae with { Entries = [] }} [{string.Join(";", ae.Entries.Select(Describe))}]",
        EntriesAppended ea => $"EA [{string.Join(";", ea.Entries.Select(Describe))}]",
        InstallSnapshot snapshot => $"{snapshot with { Data = [] }} {Convert.ToHexString(snapshot.Data)}",
        RaftSnapshot snapshot => $"{snapshot with { State = [], Suffix = [] }} {Convert.ToHexString(snapshot.State)} [{string.Join(";", snapshot.Suffix.Select(Describe))}]",
        LogEntry e => $"{e.Index}/{e.Term}/{Convert.ToHexString(e.Command)}",
        Propose p => $"P {Convert.ToHexString(p.Command)}",
        RaftState { Followers: { } followers } state => $"{state with { Followers = null }} [{string.Join(";", followers)}]",
        TransferInProgress t => $"{t with { Proposal = new Propose([]) }} {Describe(t.Proposal)}",
        RequestVote rv => $"{rv} transfer={rv.Transfer}",
        _ => o.ToString()!,
    };
}
