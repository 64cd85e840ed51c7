using System.Runtime.Serialization;
using System.Text;
using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Persistence;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Serialization;

namespace AkkaRaft.Tests.Serialization;

/// <summary>
/// Configuration entries (Raft thesis §4.1: a configuration is an entry of the log) in every format that carries
/// entries: AppendEntries, the EntriesAppended journal event and the RaftSnapshot, which also carries the configuration
/// in effect at its last included index. Version 3 is written only when such data is present; a configuration entry's
/// payload comes from the wire or the journal and is refused, in one line, when it is not a valid configuration.
/// </summary>
public sealed class ConfigurationEntryFormatTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly RaftSerializer _serializer;

    public ConfigurationEntryFormatTests() : base("akka.loglevel = WARNING") =>
        _serializer = new RaftSerializer((ExtendedActorSystem)Sys);

    private static readonly Membership ThreeVoters = Membership.Create(
        [new Member("n1", "akka.tcp://s@h:1/user/n1"), new Member("n2", "akka.tcp://s@h:2/user/n2")],
        [new Member("n3", "akka.tcp://s@h:3/user/n3")]);

    private static LogEntry Configuration(long index, long term, Membership membership) =>
        new(index, term, MembershipCodec.Encode(membership)) { Kind = LogEntryKind.Configuration };

    private static readonly LogEntry[] Mixed = [new(7, 3, [1, 2, 3]), Configuration(8, 3, ThreeVoters), new(9, 4, [])];

    public static TheoryData<object, string> WithConfiguration() => new()
    {
        { new AppendEntries("c1", "n1", 5, 6, 3, Mixed, 6) { Round = 42, AnswerSuccess = false }, "AE.3" },
        { new EntriesAppended(Mixed), "E-EA.3" },
        { new RaftSnapshot(6, "n2", 100, 4, [7, 7, 7], Mixed) { Configuration = new ConfigurationEntry(90, ThreeVoters) }, "S-RS.3" },
        { new RaftSnapshot(6, null, 100, 4, [7], []) { Configuration = new ConfigurationEntry(0, ThreeVoters) }, "S-RS.3" },
        { new RaftSnapshot(6, null, 100, 4, [], Mixed), "S-RS.3" },
    };

    [Theory]
    [MemberData(nameof(WithConfiguration))]
    public void Configuration_entries_and_a_snapshot_configuration_round_trip_in_version_3(object original, string manifest)
    {
        Assert.Equal(manifest, _serializer.Manifest(original));
        var back = _serializer.FromBinary(_serializer.ToBinary(original), manifest);
        Assert.Equal(Describe(original), Describe(back));
    }

    [Theory]
    [MemberData(nameof(WithConfiguration))]
    public void Truncated_trailing_and_random_version_3_bytes_fail_only_as_serialization_errors(object original, string manifest)
    {
        _ = manifest;
        SerializerChecks.TruncatedBytesFail(_serializer, original);
        SerializerChecks.TrailingBytesFail(_serializer, original);
        SerializerChecks.RandomBytesFailOnlyAsSerializationErrors(_serializer, [[original]]);
    }

    [Fact]
    public void Version_3_has_fixed_bytes()
    {
        // What this format writes: never regenerate it. Entry 8 is a configuration (kind byte 01, then its 10 bytes):
        // one voter (a at x), one learner (b at y). The snapshot, with no suffix, ends with its configuration's presence
        // byte, index (0x5A = 90) and the configuration.
        var membership = Membership.Create([new Member("a", "x")], [new Member("b", "y")]);
        var entries = new[] { new LogEntry(7, 3, [1]), Configuration(8, 3, membership) };
        Assert.Equal("E-EA.3", _serializer.Manifest(new EntriesAppended(entries)));
        Assert.Equal("020703000101" + "0803010A" + "01016101780101620179", Hex(new EntriesAppended(entries)));
        var snapshot = new RaftSnapshot(6, "n2", 100, 4, [7], []) { Configuration = new ConfigurationEntry(90, membership) };
        Assert.Equal("0601026E3264040107" + "00" + "015A" + "01016101780101620179", Hex(snapshot));
    }

    [Fact]
    public void Entries_without_a_configuration_keep_the_bytes_of_version_2()
    {
        var commands = new[] { new LogEntry(7, 3, [1, 2, 3]), new LogEntry(8, 3, []) };
        Assert.Equal("E-EA.2", _serializer.Manifest(new EntriesAppended(commands)));
        Assert.Equal("02070303010203080300", Hex(new EntriesAppended(commands)));
        Assert.Equal("AE.2", _serializer.Manifest(new AppendEntries("c1", "n1", 5, 6, 3, commands, 6)));
        Assert.Equal("S-RS.2", _serializer.Manifest(new RaftSnapshot(6, "n2", 100, 4, [7, 7, 7], commands)));
        Assert.Equal("0601026E3264040307070702070303010203080300", Hex(new RaftSnapshot(6, "n2", 100, 4, [7, 7, 7], commands)));
    }

    [Fact]
    public void Version_3_of_commands_alone_decodes_as_commands()
    {
        // An entry list of version 3 may hold commands only (written by a later build, say); each keeps its kind.
        var back = (EntriesAppended)_serializer.FromBinary(Convert.FromHexString("0207030001010803000100"), "E-EA.3");
        Assert.Equal([(7L, LogEntryKind.Command, "01"), (8L, LogEntryKind.Command, "00")],
            back.Entries.Select(e => (e.Index, e.Kind, Convert.ToHexString(e.Command))));
    }

    [Fact]
    public void An_unknown_entry_kind_is_refused()
    {
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary(Convert.FromHexString("010703020101"), "E-EA.3"));
        Assert.Equal("cannot decode AkkaRaft 'E-EA.3' from 6 bytes: byte 2 is not a LogEntryKind", e.Message);
    }

    [Fact]
    public void A_snapshot_configuration_after_its_last_included_index_is_refused()
    {
        var bytes = _serializer.ToBinary(new RaftSnapshot(6, null, 100, 4, [], []) { Configuration = new ConfigurationEntry(101, ThreeVoters) });
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, "S-RS.3"));
        Assert.Contains("configuration index 101 outside 0..100 (the last included index)", e.Message);
    }

    /// <summary>Payloads that are not a valid configuration, and the problem each must be refused with.</summary>
    public static TheoryData<string, byte[], string> BadPayloads() => new()
    {
        { "empty", [], "Unable to read beyond the end of the stream." },
        { "huge voter count", [0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00], "2147483647 items with 1 bytes left" },
        { "negative voter count", [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00], "-1 items with 1 bytes left" },
        { "huge learner count", Payload(w => { Members(w, ("n1", "a")); w.Write7BitEncodedInt(1 << 20); }), "1048576 items with 0 bytes left" },
        { "string longer than the rest", [0x01, 0x7F, 0x61, 0x01, 0x61, 0x00], "string of 127 bytes with 4 left" },
        { "no voter", Payload(w => { Members(w); Members(w, ("n1", "a")); }), "invalid configuration: a configuration needs at least one voter" },
        { "empty id", Payload(w => { Members(w, ("", "a")); Members(w); }), "invalid configuration: a member has an empty id" },
        { "empty address", Payload(w => { Members(w, ("n1", "")); Members(w); }), "invalid configuration: member 'n1' has an empty address" },
        { "duplicate voter", Payload(w => { Members(w, ("n1", "a"), ("n1", "b")); Members(w); }), "invalid configuration: 'n1' is listed twice as a voter" },
        { "voter and learner", Payload(w => { Members(w, ("n1", "a")); Members(w, ("n1", "a")); }), "invalid configuration: 'n1' is both a voter and a learner" },
        { "trailing byte", Payload(w => { Members(w, ("n1", "a")); Members(w); w.Write((byte)0); }), "1 unexpected trailing bytes" },
        { "invalid UTF-8", [0x01, 0x01, 0xFF, 0x01, 0x61, 0x00], "" },
    };

    [Theory]
    [MemberData(nameof(BadPayloads))]
    public void A_malformed_configuration_is_refused_in_one_line(string what, byte[] payload, string problem)
    {
        _ = what;
        var e = Assert.Throws<SerializationException>(() => MembershipCodec.Decode(payload));
        Assert.StartsWith($"cannot decode an AkkaRaft configuration from {payload.Length} bytes: ", e.Message);
        Assert.EndsWith(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [MemberData(nameof(BadPayloads))]
    public void A_configuration_entry_with_a_malformed_payload_is_refused_by_every_format(string what, byte[] payload, string problem)
    {
        _ = what;
        var bad = new[] { new LogEntry(7, 3, [1]), new LogEntry(8, 3, payload) { Kind = LogEntryKind.Configuration } };
        foreach (var carrier in new object[] { new AppendEntries("c1", "n1", 5, 6, 3, bad, 6), new EntriesAppended(bad), new RaftSnapshot(6, null, 6, 3, [], bad) })
        {
            var manifest = _serializer.Manifest(carrier);
            var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary(_serializer.ToBinary(carrier), manifest));
            Assert.Contains($"'{manifest}'", e.Message);
            Assert.Contains($"configuration entry 8: {problem}", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void Random_payloads_fail_only_as_serialization_errors()
    {
        var random = new Random(4242);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 48)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length > 0) bytes[0] = (byte)random.Next(0, 4); // plausible counts too
            try
            {
                MembershipCodec.Decode(bytes);
            }
            catch (SerializationException)
            {
                // the only acceptable failure
            }
        }
    }

    [Fact]
    public void A_configuration_round_trips_with_the_same_bytes_whatever_order_it_was_built_in()
    {
        var reordered = Membership.Create(ThreeVoters.Voters.Reverse(), ThreeVoters.Learners);
        Assert.Equal(MembershipCodec.Encode(ThreeVoters), MembershipCodec.Encode(reordered));
        Assert.Equal(ThreeVoters, MembershipCodec.Decode(MembershipCodec.Encode(reordered)));
    }

    private string Hex(object o) => Convert.ToHexString(_serializer.ToBinary(o));

    private static byte[] Payload(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) write(w);
        return stream.ToArray();
    }

    private static void Members(BinaryWriter w, params (string Id, string Address)[] members)
    {
        w.Write7BitEncodedInt(members.Length);
        foreach (var (id, address) in members)
        {
            w.Write(id);
            w.Write(address);
        }
    }

    /// <summary>Records compare byte arrays by reference; compare contents, kinds and configurations instead.</summary>
    private static string Describe(object o) => o switch
    {
        AppendEntries ae => $"{ae with { Entries = [] }} [{string.Join(";", ae.Entries.Select(Describe))}]",
        EntriesAppended ea => $"EA [{string.Join(";", ea.Entries.Select(Describe))}]",
        RaftSnapshot s => $"{s with { State = [], Suffix = [], Configuration = null }} {Convert.ToHexString(s.State)} [{string.Join(";", s.Suffix.Select(Describe))}] "
            + (s.Configuration is { } c ? $"{c.Index}: {Convert.ToHexString(MembershipCodec.Encode(c.Membership))}" : "none"),
        LogEntry e => $"{e.Index}/{e.Term}/{e.Kind}/{Convert.ToHexString(e.Command)}",
        _ => o.ToString()!,
    };
}
