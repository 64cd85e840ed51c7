using System.Text;
using Akka.Configuration;
using Akka.Persistence.Hosting;

namespace AkkaRaft.Tests.Hosting;

/// <summary>Akka.Persistence.Hosting options for Akka's in-memory journal under an id of its own, as a SQL plugin's would be.</summary>
internal sealed class TestMemoryJournalOptions() : JournalOptions(isDefault: false)
{
    public override string Identifier { get; set; } = "hosting-test-memory";

    protected override Config InternalDefaultConfig => ConfigurationFactory.ParseString(
        "plugin-dispatcher = \"akka.actor.default-dispatcher\"");

    protected override StringBuilder Build(StringBuilder sb)
    {
        sb.AppendLine("class = \"Akka.Persistence.Journal.MemoryJournal, Akka.Persistence\"");
        sb.AppendLine("plugin-dispatcher = \"akka.actor.default-dispatcher\"");
        return base.Build(sb);
    }
}
