using System.Runtime.Serialization;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Serialization;

namespace AkkaRaft.Tests.Serialization;

/// <summary>
/// The membership requests and answers cross the wire in version 2 of their own manifests, and a peer that is not a
/// member reports it in <c>ST.4</c>; every other state keeps its bytes.
/// </summary>
public sealed class MembershipFormatTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly RaftSerializer _serializer;

    public MembershipFormatTests() : base("akka.loglevel = WARNING") =>
        _serializer = new RaftSerializer((ExtendedActorSystem)Sys);

    private const string Address = "akka.tcp://akkaraft@127.0.0.1:4054/user/kv";

    private static readonly Members SomeMembers = new("n1", "n1", 12, true, 40,
    [
        new MemberInfo("n1", Address, true, 40),
        new MemberInfo("n2", "akka.tcp://akkaraft@127.0.0.1:4055/user/kv", true, 39),
        new MemberInfo("n4", "akka.tcp://akkaraft@10.0.0.4:4053/user/kv", false, null),
    ]);

    /// <summary>One of every membership message and answer, with non-default values, and the non-member states.</summary>
    public static TheoryData<object> Samples() => new()
    {
        new AddLearner("n4", Address),
        new AddLearner("n4", Address, 0),
        new AddVoter("nö", Address, 12),
        new AddVoter("n4", Address),
        new PromoteLearner("n4"),
        new PromoteLearner("n4", long.MaxValue),
        new RemoveMember("n3"),
        new RemoveMember("n3", 7),
        GetMembers.Instance,
        new MembershipChanged("n1", 12, SomeMembers),
        new MembershipChangeRefused("n1", MembershipRefusalReason.ChangeInProgress, "cannot add learner n5: 'add learner n4' at index 12 is not committed yet"),
        new MembershipChangeRefused("n1", MembershipRefusalReason.LeadershipLost, ""),
        SomeMembers,
        new Members("n3", null, 0, false, 0, []),
        new RaftState("n3", 5, RaftRole.Follower, "n1", 10, 9, 8) { IsMember = false },
        new RaftState("n1", 5, RaftRole.Leader, "n1", 10, 9, 8, 4, 1234, 99)
        {
            IsMember = false,
            Followers = [new FollowerContact("n2", TimeSpan.FromMilliseconds(12)), new FollowerContact("n3", null)],
        },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_membership_message_round_trips(object original)
    {
        var back = _serializer.FromBinary(_serializer.ToBinary(original), _serializer.Manifest(original));
        Assert.Equal(Describe(original), Describe(back));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void The_system_binds_every_membership_message_to_this_serializer(object original)
    {
        RaftExtension.Get(Sys);
        Assert.IsType<RaftSerializer>(Sys.Serialization.FindSerializerFor(original));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Truncated_bytes_give_a_serialization_error(object original) => SerializerChecks.TruncatedBytesFail(_serializer, original);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Trailing_bytes_give_a_serialization_error(object original) => SerializerChecks.TrailingBytesFail(_serializer, original);

    [Fact]
    public void Random_bytes_never_throw_anything_but_a_serialization_error() =>
        SerializerChecks.RandomBytesFailOnlyAsSerializationErrors(_serializer, Samples());

    [Fact]
    public void Membership_messages_are_version_2_and_a_later_version_is_refused()
    {
        Assert.Equal("MAV.2", _serializer.Manifest(new AddVoter("n4", Address)));
        var bytes = _serializer.ToBinary(new RemoveMember("n3"));
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, "MRM.3"));
        Assert.Equal("AkkaRaft 'MRM.3' is version 3; this node reads versions 1-2: upgrade it", e.Message);
        var bare = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, "MRM"));
        Assert.Equal("unknown AkkaRaft manifest 'MRM'", bare.Message);
    }

    [Fact]
    public void A_member_keeps_the_state_bytes_of_versions_2_and_3()
    {
        // The bytes of FormatVersionTests: a member's state is unchanged by the membership flag.
        var state = new RaftState("n1", 5, RaftRole.Leader, "n1", 10, 9, 8, 4, 1234, 99);
        Assert.Equal("ST.2", _serializer.Manifest(state));
        Assert.Equal("026E31050201026E310A090804D20963", Convert.ToHexString(_serializer.ToBinary(state)));
        Assert.Equal("ST.3", _serializer.Manifest(state with { Followers = [] }));
        Assert.True(((RaftState)_serializer.FromBinary(_serializer.ToBinary(state), "ST.2")).IsMember);
    }

    [Fact]
    public void A_non_member_state_is_version_4_and_older_readers_name_it()
    {
        var state = new RaftState("n3", 5, RaftRole.Follower, null, 10, 9, 8) { IsMember = false };
        Assert.Equal("ST.4", _serializer.Manifest(state));
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary(_serializer.ToBinary(state), "ST.5"));
        Assert.Equal("AkkaRaft 'ST.5' is version 5; this node reads versions 1-4: upgrade it", e.Message);
    }

    [Fact]
    public void A_negative_index_from_the_wire_is_refused()
    {
        // PromoteLearner("n4", expected -1): id, presence byte, then a 7-bit -1.
        byte[] bytes = [2, (byte)'n', (byte)'4', 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, "MPL.2"));
        Assert.Contains("negative", e.Message);
    }

    [Fact]
    public void A_huge_member_count_is_refused_without_allocating_it()
    {
        // Members: peer "n1", no leader, index 0, not committed, last index 0, then a count of 2^31-1.
        byte[] bytes = [2, (byte)'n', (byte)'1', 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x07];
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, "MS.2"));
        Assert.Contains("left", e.Message);
    }

    /// <summary>Records compare lists by reference; compare their contents instead.</summary>
    private static string Describe(object o) => o switch
    {
        Members m => $"{m with { List = [] }} [{string.Join(";", m.List)}]",
        MembershipChanged c => $"{c with { Members = SomeMembers with { List = [] } }} {Describe(c.Members)}",
        RaftState s => $"{s with { Followers = null }} member={s.IsMember} [{string.Join(";", s.Followers ?? [])}] {s.Followers is null}",
        _ => o.ToString()!,
    };
}
