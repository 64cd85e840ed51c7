using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using AkkaRaft.Actors;

namespace AkkaRaft.Tests.Docs;

/// <summary>
/// docs/configuration.md documents exactly the <c>akka.raft</c> keys of the embedded reference.conf: each key has a
/// row of its own (a table row whose first cell is the key's full path), and the page names no <c>akka.raft.*</c> key
/// that reference.conf lacks.
/// </summary>
public class ConfigurationDocTests
{
    [Fact]
    public void Configuration_page_documents_every_reference_conf_key_and_no_other()
    {
        var keys = ReferenceKeys();
        Assert.Contains("akka.raft.replication.max-entries-per-message", keys); // the walk reaches nested sections
        var page = RepoFiles.Read("docs", "configuration.md");

        var rows = Regex.Matches(page, @"^\|\s*`(akka\.raft\.[^`]+)`", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var named = Regex.Matches(page, @"`(akka\.raft\.[a-z0-9.\-]*[a-z0-9])")
            .Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        var missing = keys.Where(k => !rows.Contains(k)).Order().ToArray();
        var unknown = named.Where(k => !keys.Contains(k)).Order().ToArray();
        Assert.True(missing.Length == 0 && unknown.Length == 0,
            (missing.Length > 0 ? $"docs/configuration.md has no row for: {string.Join(", ", missing)}. " : "") +
            (unknown.Length > 0 ? $"docs/configuration.md names keys reference.conf does not have: {string.Join(", ", unknown)}." : ""));
    }

    /// <summary>Every leaf key under akka.raft in the embedded reference.conf, as its full path.</summary>
    private static HashSet<string> ReferenceKeys()
    {
        // RaftSettings.DefaultConfig() is the embedded reference.conf, parsed with ConfigurationFactory.ParseString.
        Config raft = RaftSettings.DefaultConfig().GetConfig(RaftSettings.ConfigPath);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        Collect(raft.Root.GetObject(), RaftSettings.ConfigPath, keys);
        return keys;
    }

    private static void Collect(HoconObject section, string path, HashSet<string> keys)
    {
        foreach (var (name, value) in section.Items)
        {
            if (value.IsObject()) Collect(value.GetObject(), $"{path}.{name}", keys);
            else keys.Add($"{path}.{name}");
        }
    }
}
