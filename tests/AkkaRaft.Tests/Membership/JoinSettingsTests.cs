using Akka.Configuration;
using AkkaRaft.Actors;

namespace AkkaRaft.Tests.GroupMembership;

/// <summary>Settings of a peer that starts empty and waits to be added.</summary>
public sealed class JoinSettingsTests
{
    [Fact]
    public void A_group_member_settings_turned_into_join_settings_keep_the_peer_id_and_drop_the_members()
    {
        var member = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft.members = [n1, n2, n3]"));

        var joining = member.WithMembership(join: true).WithPeerId("n4");

        Assert.True(joining.Join);
        Assert.Empty(joining.Members);
        Assert.Equal("n4", joining.PeerId);
    }

    [Fact]
    public void Join_settings_read_from_configuration_accept_a_peer_id()
    {
        var joining = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft { join = on, peer-id = n4 }"));

        Assert.Equal(("n4", true), (joining.PeerId, joining.Join));
    }
}
