using System.Runtime.Serialization;
using Akka.TestKit.Xunit2;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Persistence;
using AkkaRaft.Actors.Serialization;

namespace AkkaRaft.Tests.Serialization;

/// <summary>
/// The Raft messages and journal events carry their format version in the manifest ("AE" is version 1, "AE.2"
/// version 2): every known version decodes, the newest is written, and a later one is refused naming both versions.
/// </summary>
public sealed class FormatVersionTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly RaftSerializer _serializer;

    public FormatVersionTests() : base("akka.loglevel = WARNING") =>
        _serializer = new RaftSerializer((ExtendedActorSystem)Sys);

    private static readonly LogEntry[] TwoEntries = [new(7, 3, [1, 2, 3]), new(8, 3, [])];

    /// <summary>One of every Raft message and event, each as written by the build before formats had a version.</summary>
    public static TheoryData<object, string, string> FirstFormat() => new()
    {
        // The hex is what that build's RaftSerializer wrote for the object beside it: never regenerate it.
        { new RequestVote("c1", "n1", 5, 120, 4), "RV", "026331026E31057804" },
        { new RequestVoteResult("c1", "n2", 5, true), "RVR", "026331026E320501" },
        { new AppendEntries("c1", "n1", 5, 6, 3, TwoEntries, 6) { Round = 42 }, "AE", "026331026E31050603062A0102070303010203080300" },
        { new AppendEntriesResult("c1", "n3", 5, false, 0, 12, 2, 10) { Round = 42 }, "AER", "026331026E330500000C020A2A" },
        { new InstallSnapshot("c1", "n1", 5, 100, 4, 0, [1, 2, 3, 4], true), "IS", "026331026E3105640400040102030401" },
        { new InstallSnapshotResult("c1", "n2", 5, 100, 4, true), "ISR", "026331026E3205640401" },
        { new Propose([9, 8, 7]), "P", "03090807" },
        { new ProposeAccepted(10, 5), "PA", "0A05" },
        { new NotLeader("n2", "n1"), "NL", "026E3201026E31" },
        { GetState.Instance, "GS", "" },
        { new RaftState("n1", 5, RaftRole.Leader, "n1", 10, 9, 8, 4, 1234, 99), "ST", "026E31050201026E310A090804D20963" },
        { new HardStateChanged(5, "n2"), "E-HS", "0501026E32" },
        { new EntriesAppended(TwoEntries), "E-EA", "02070303010203080300" },
        { new LogTruncated(7), "E-LT", "07" },
        { new RaftSnapshot(6, "n2", 100, 4, [7, 7, 7], TwoEntries), "S-RS", "0601026E3264040307070702070303010203080300" },
    };

    [Theory]
    [MemberData(nameof(FirstFormat))]
    public void A_version_1_frame_still_decodes(object expected, string manifest, string hex)
    {
        var decoded = _serializer.FromBinary(Convert.FromHexString(hex), manifest);
        Assert.Equal(Describe(expected), Describe(decoded));
    }

    [Theory]
    [MemberData(nameof(FirstFormat))]
    public void Every_message_and_event_is_written_in_version_2_and_round_trips(object original, string firstManifest, string firstHex)
    {
        var manifest = _serializer.Manifest(original);
        Assert.Equal(firstManifest + ".2", manifest);
        var bytes = _serializer.ToBinary(original);
        // Version 2 only names its version: its bytes are those of version 1.
        Assert.Equal(firstHex, Convert.ToHexString(bytes));
        Assert.Equal(Describe(original), Describe(_serializer.FromBinary(bytes, manifest)));
    }

    [Theory]
    [MemberData(nameof(FirstFormat))]
    public void A_later_version_is_refused_naming_both_versions(object original, string firstManifest, string hex)
    {
        _ = original;
        var newest = RaftSerializer.NewestVersionOf(firstManifest);
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary(Convert.FromHexString(hex), $"{firstManifest}.{newest + 1}"));
        Assert.Equal($"AkkaRaft '{firstManifest}.{newest + 1}' is version {newest + 1}; this node reads versions 1-{newest}: upgrade it", e.Message);
    }

    /// <summary>The pre-vote messages, which came with version 2 and have no version 1.</summary>
    public static TheoryData<object, string, string> SinceVersion2() => new()
    {
        // The hex is what this format writes for the object beside it: never regenerate it.
        { new PreVote("c1", "n1", 6, 120, 4), "PV.2", "026331026E31067804" },
        { new PreVoteResult("c1", "n2", 6, true), "PVR.2", "026331026E320601" },
    };

    [Theory]
    [MemberData(nameof(SinceVersion2))]
    public void Pre_vote_messages_are_written_in_version_2_with_fixed_bytes(object original, string manifest, string hex)
    {
        Assert.Equal(manifest, _serializer.Manifest(original));
        Assert.Equal(hex, Convert.ToHexString(_serializer.ToBinary(original)));
        Assert.Equal(Describe(original), Describe(_serializer.FromBinary(Convert.FromHexString(hex), manifest)));
        var later = Assert.Throws<SerializationException>(() => _serializer.FromBinary(Convert.FromHexString(hex), manifest[..^2] + ".3"));
        Assert.Equal($"AkkaRaft '{manifest[..^2]}.3' is version 3; this node reads versions 1-2: upgrade it", later.Message);
    }

    [Theory]
    [InlineData("PV")] // pre-vote has no version 1
    [InlineData("PVR")]
    [InlineData("AE.1")] // version 1 is written without a suffix
    [InlineData("AE.x")]
    [InlineData("AE.-3")]
    [InlineData("AE.")]
    [InlineData("XYZ.3")]
    public void A_malformed_version_is_an_unknown_manifest(string manifest)
    {
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary([], manifest));
        Assert.Equal($"unknown AkkaRaft manifest '{manifest}'", e.Message);
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
        _ => o.ToString()!,
    };
}
