using System.Runtime.CompilerServices;
using System.Runtime.Serialization;
using System.Text;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Actors.Serialization;

/// <summary>
/// The bytes of a <see cref="Membership"/>: what a configuration entry carries as its command, and what a snapshot
/// carries as the configuration in effect at its last included index. The voters, then the learners, each as a count
/// followed by (id, address) string pairs, in the configuration's own order (by id), so one configuration always has
/// the same bytes.
/// </summary>
/// <remarks>
/// The bytes come from the wire and the journal: every count and length is checked against what remains before
/// anything is allocated, and a decoded configuration must be valid (<see cref="Membership.Validate"/>), or it is
/// refused in one line.
/// </remarks>
internal static class MembershipCodec
{
    // Each member takes at least two bytes: the lengths of its id and its address.
    private const int MinBytesPerMember = 2;

    /// <summary>The encoded configuration, as a configuration entry's command.</summary>
    public static byte[] Encode(Membership membership)
    {
        using var stream = new MemoryStream(16 + 32 * (membership.Voters.Length + membership.Learners.Length));
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) Write(w, membership);
        return stream.ToArray();
    }

    /// <summary>
    /// Configurations decoded, by the very array they were decoded from: a configuration entry's command is checked when
    /// it is read from the wire or the journal, again before a peer obeys the AppendEntries that carries it, and read
    /// when the peer appends it, always the same array, so only the first of these decodes. Commands are never mutated
    /// once proposed; an array collected takes its entry with it.
    /// </summary>
    private static readonly ConditionalWeakTable<byte[], Membership> Decoded = new();

    /// <summary>The configuration <paramref name="bytes"/> encode, all of them.</summary>
    /// <exception cref="SerializationException">They do not encode a valid configuration; the message says why in one line.</exception>
    public static Membership Decode(byte[] bytes)
    {
        try
        {
            return DecodeAll(bytes);
        }
        catch (Exception e) when (WireReader.IsDecodeError(e))
        {
            throw new SerializationException($"cannot decode an AkkaRaft configuration from {bytes.Length} bytes: {e.Message}", e);
        }
    }

    /// <summary>Like <see cref="Decode"/>, but throws the reader's decode errors, for a caller that says where the bytes were.</summary>
    public static Membership DecodeAll(byte[] bytes)
    {
        if (Decoded.TryGetValue(bytes, out var known)) return known;
        var r = new WireReader(bytes);
        var membership = Read(r);
        r.End();
        Decoded.AddOrUpdate(bytes, membership);
        return membership;
    }

    /// <summary>Writes <paramref name="membership"/> inside a larger message.</summary>
    public static void Write(BinaryWriter w, Membership membership)
    {
        WriteMembers(w, membership.Voters);
        WriteMembers(w, membership.Learners);
    }

    /// <summary>Reads a configuration inside a larger message; throws the reader's decode errors.</summary>
    public static Membership Read(WireReader r)
    {
        var voters = ReadMembers(r);
        var learners = ReadMembers(r);
        var (membership, problem) = Membership.TryCreate(voters, learners);
        return membership ?? throw new InvalidDataException($"invalid configuration: {problem}");
    }

    private static void WriteMembers(BinaryWriter w, IReadOnlyList<Member> members)
    {
        w.Write7BitEncodedInt(members.Count);
        foreach (var m in members)
        {
            w.Write(m.Id);
            w.Write(m.Address);
        }
    }

    private static Member[] ReadMembers(WireReader r)
    {
        var count = r.Count(MinBytesPerMember);
        var members = new Member[count];
        for (var i = 0; i < count; i++) members[i] = new Member(r.String(), r.String());
        return members;
    }
}
