namespace AkkaRaft.Actors.Serialization;

/// <summary>The encodings of the membership requests and answers, and of a peer's state when it is not a member.</summary>
/// <remarks>
/// The membership messages came with version 2 and have no version 1. An optional index is a presence byte, then the
/// index. <see cref="Members"/> is the answering peer, the leader it knows (optional), the configuration's index, the
/// committed flag, the peer's last index, then a count of members, each an id, an address, a voter flag and an
/// optional match index. Indexes from the wire are refused when negative.
/// <c>ST.4</c> is a <see cref="RaftState"/> of a peer that is not a member of its latest configuration: the fields of
/// <c>ST.2</c>, then the followers (a presence byte, then as in <c>ST.3</c>), then the membership flag. It is written
/// only for such a peer, so every other state keeps the bytes older clients read.
/// </remarks>
internal sealed partial class RaftSerializer
{
    internal const string AddLearnerManifestV2 = "MAL.2";
    internal const string AddVoterManifestV2 = "MAV.2";
    internal const string PromoteLearnerManifestV2 = "MPL.2";
    internal const string RemoveMemberManifestV2 = "MRM.2";
    internal const string GetMembersManifestV2 = "GM.2";
    internal const string MembershipChangedManifestV2 = "MC.2";
    internal const string MembershipRefusedManifestV2 = "MCR.2";
    internal const string MembersManifestV2 = "MS.2";
    /// <summary>The state of a peer its latest configuration does not list.</summary>
    internal const string RaftStateManifestV4 = RaftStateManifest + ".4";

    /// <summary>The version 1 names of the membership types (which have only version 2), for <see cref="VersionedBases"/>; a property, as the order of static initializers across partial files is not defined.</summary>
    private static string[] MembershipBases => ["MAL", "MAV", "MPL", "MRM", "GM", "MC", "MCR", "MS"];

    // A member of a Members answer takes at least four bytes: id and address lengths, voter flag, match presence.
    private const int MinBytesPerMemberInfo = 4;

    /// <summary>The manifest of a membership message or of a non-member's state, or null for any other object.</summary>
    private static string? MembershipManifest(object o) => o switch
    {
        AddLearner => AddLearnerManifestV2,
        AddVoter => AddVoterManifestV2,
        PromoteLearner => PromoteLearnerManifestV2,
        RemoveMember => RemoveMemberManifestV2,
        GetMembers => GetMembersManifestV2,
        MembershipChanged => MembershipChangedManifestV2,
        MembershipChangeRefused => MembershipRefusedManifestV2,
        Members => MembersManifestV2,
        _ => null,
    };

    /// <summary>Writes a membership message; false when <paramref name="o"/> is not one.</summary>
    private static bool WriteMembership(BinaryWriter w, object o)
    {
        switch (o)
        {
            case AddLearner m:
                w.Write(m.Id);
                w.Write(m.Address);
                WriteOptionalIndex(w, m.ExpectedConfigurationIndex);
                return true;
            case AddVoter m:
                w.Write(m.Id);
                w.Write(m.Address);
                WriteOptionalIndex(w, m.ExpectedConfigurationIndex);
                return true;
            case PromoteLearner m:
                w.Write(m.Id);
                WriteOptionalIndex(w, m.ExpectedConfigurationIndex);
                return true;
            case RemoveMember m:
                w.Write(m.Id);
                WriteOptionalIndex(w, m.ExpectedConfigurationIndex);
                return true;
            case GetMembers:
                return true;
            case MembershipChanged m:
                w.Write(m.PeerId);
                w.Write7BitEncodedInt64(m.Index);
                WriteMembers(w, m.Members);
                return true;
            case MembershipChangeRefused m:
                w.Write(m.PeerId);
                w.Write((byte)m.Reason);
                w.Write(m.Message);
                return true;
            case Members m:
                WriteMembers(w, m);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Reads a membership message, or null when <paramref name="manifest"/> names none.</summary>
    private static object? ReadMembership(WireReader r, string manifest) => manifest switch
    {
        AddLearnerManifestV2 => new AddLearner(r.String(), r.String(), ReadOptionalIndex(r)),
        AddVoterManifestV2 => new AddVoter(r.String(), r.String(), ReadOptionalIndex(r)),
        PromoteLearnerManifestV2 => new PromoteLearner(r.String(), ReadOptionalIndex(r)),
        RemoveMemberManifestV2 => new RemoveMember(r.String(), ReadOptionalIndex(r)),
        GetMembersManifestV2 => GetMembers.Instance,
        MembershipChangedManifestV2 => new MembershipChanged(r.String(), Index(r, "configuration index"), ReadMembers(r)),
        MembershipRefusedManifestV2 => new MembershipChangeRefused(r.String(), r.Enum<MembershipRefusalReason>(), r.String()),
        MembersManifestV2 => ReadMembers(r),
        RaftStateManifestV4 => ReadNonMemberState(r),
        _ => null,
    };

    private static void WriteMembers(BinaryWriter w, Members m)
    {
        w.Write(m.PeerId);
        w.WriteOptional(m.LeaderId);
        w.Write7BitEncodedInt64(m.ConfigurationIndex);
        w.Write(m.Committed);
        w.Write7BitEncodedInt64(m.LastIndex);
        w.Write7BitEncodedInt(m.List.Count);
        foreach (var member in m.List)
        {
            w.Write(member.Id);
            w.Write(member.Address);
            w.Write(member.IsVoter);
            WriteOptionalIndex(w, member.MatchIndex);
        }
    }

    private static Members ReadMembers(WireReader r)
    {
        var (peer, leader, configurationIndex, committed, lastIndex) = (r.String(), r.OptionalString(), Index(r, "configuration index"), r.Bool(), Index(r, "last index"));
        var count = r.Count(MinBytesPerMemberInfo);
        var list = new MemberInfo[count];
        for (var i = 0; i < count; i++) list[i] = new MemberInfo(r.String(), r.String(), r.Bool(), ReadOptionalIndex(r));
        return new Members(peer, leader, configurationIndex, committed, lastIndex, list);
    }

    /// <summary>Writes a <see cref="RaftState"/> in the version <see cref="Manifest"/> chose for it.</summary>
    private static void WriteState(BinaryWriter w, RaftState m)
    {
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
        if (!m.IsMember) w.Write(m.Followers is not null);
        if (m.Followers is { } followers)
        {
            w.Write7BitEncodedInt(followers.Count);
            foreach (var f in followers)
            {
                w.Write(f.PeerId);
                w.Write7BitEncodedInt64(f.SinceHeard is { } since ? Math.Max(0, since.Ticks) : -1);
            }
        }
        if (!m.IsMember) w.Write(m.IsMember);
    }

    private static RaftState ReadState(WireReader r) =>
        new(r.String(), r.Long(), r.Enum<RaftRole>(), r.OptionalString(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long());

    private static RaftState ReadNonMemberState(WireReader r)
    {
        var state = ReadState(r);
        var followers = r.Bool() ? ReadFollowers(r) : null;
        return state with { Followers = followers, IsMember = r.Bool() };
    }

    private static void WriteOptionalIndex(BinaryWriter w, long? index)
    {
        w.Write(index is not null);
        if (index is { } i) w.Write7BitEncodedInt64(i);
    }

    private static long? ReadOptionalIndex(WireReader r) => r.Bool() ? Index(r, "index") : null;

    private static long Index(WireReader r, string what)
    {
        var index = r.Long();
        return index >= 0 ? index : throw new InvalidDataException($"{what} {index} is negative");
    }
}
