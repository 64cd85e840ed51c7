using AkkaRaft.Actors.Serialization;
using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Tests.Core;

/// <summary>
/// An AppendEntries is untrusted (Raft paper Figure 2 fields, checked before any rule acts): an entry of a kind this
/// peer does not know is refused with the rest of the message, while commands and configurations pass.
/// </summary>
public sealed class EntryKindWireCheckTests
{
    private static readonly byte[] AConfiguration =
        MembershipCodec.Encode(Membership.Create([new Member("n1", "akka://s/user/n1"), new Member("n2", "akka://s/user/n2")]));

    private static AppendEntries Carrying(LogEntryKind kind, byte[]? command = null) =>
        new("c1", "n1", 5, 6, 3, [new LogEntry(7, 3, [1]), new LogEntry(8, 3, command ?? (kind == LogEntryKind.Configuration ? AConfiguration : [2])) { Kind = kind }], 6);

    [Theory]
    [InlineData(LogEntryKind.Command)]
    [InlineData(LogEntryKind.Configuration)]
    public void An_entry_of_a_known_kind_passes(LogEntryKind kind) => Assert.Null(WireChecks.Problem(Carrying(kind)));

    [Fact]
    public void A_configuration_entry_that_does_not_decode_is_refused()
    {
        var problem = WireChecks.Problem(Carrying(LogEntryKind.Configuration, [2]));

        Assert.StartsWith("configuration entry 8: cannot decode an AkkaRaft configuration from 1 bytes", problem);
    }

    [Fact]
    public void An_entry_of_an_unknown_kind_is_refused()
    {
        Assert.Equal("entry 8 has unknown kind 2", WireChecks.Problem(Carrying((LogEntryKind)2)));
    }
}
