using Akka.Hosting;
using AkkaRaft.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AkkaRaft.Hosting.Tests;

/// <summary>An invalid option fails while the ActorSystem is being configured, with one line that names it.</summary>
public sealed class InvalidOptionsTests
{
    [Fact]
    public void Peer_id_not_among_the_members_fails_with_one_line_naming_it()
    {
        var builder = new AkkaConfigurationBuilder(new ServiceCollection(), "invalid-options");
        var e = Assert.Throws<ArgumentException>(() => builder.WithRaft(o =>
        {
            o.PeerId = "n9";
            o.Members["n1"] = null;
            o.Members["n2"] = "akka://invalid-options/user/raft-n2";
            o.Journal = RaftJournal.InMemory;
        }));
        Assert.Equal("RaftOptions.PeerId 'n9' is not one of RaftOptions.Members [n1, n2]", e.Message);
    }
}
