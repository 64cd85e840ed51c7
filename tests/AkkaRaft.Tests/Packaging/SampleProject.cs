using System.Text.RegularExpressions;
using System.Xml.Linq;
using AkkaRaft.Tests.Docs;

namespace AkkaRaft.Tests.Packaging;

/// <summary>
/// A test project written outside the repository (so none of its Directory.*.props apply) that takes AkkaRaft from a
/// local package feed and runs the README's two C# examples, taken from README.md as it is now.
/// </summary>
internal static class SampleProject
{
    public const string EmbeddingHeading = "### 3. Embed peers in your own ActorSystem";

    /// <summary>The README's first C# block: the TestKit example, a complete xunit test class.</summary>
    public static string TestKitExample(string readme) => CSharpBlockAfter(readme, 0);

    /// <summary>The C# block of the README's embedding section: statements that expect a system, a state machine and a command.</summary>
    public static string EmbeddingExample(string readme)
    {
        var section = readme.IndexOf(EmbeddingHeading, StringComparison.Ordinal);
        if (section < 0) throw new InvalidOperationException($"README.md has no heading '{EmbeddingHeading}'");
        return CSharpBlockAfter(readme, section);
    }

    /// <summary>Writes the sample into <paramref name="directory"/>: project, nuget.config and the two examples.</summary>
    public static void Write(string directory, string feed, string version, string readme)
    {
        Directory.CreateDirectory(directory);
        // Empty files here stop MSBuild's search for Directory.Build.* and Directory.Packages.props in folders above.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Packages.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "nuget.config"), NuGetConfig(feed));
        File.WriteAllText(Path.Combine(directory, "Sample.csproj"), Csproj(version));
        File.WriteAllText(Path.Combine(directory, "ReadmeTestKitExample.cs"), TestKitExample(readme));
        File.WriteAllText(Path.Combine(directory, "ReadmeEmbeddingExample.cs"), EmbeddingWrapper(EmbeddingExample(readme)));
    }

    private static string CSharpBlockAfter(string readme, int from)
    {
        var block = new Regex(@"```csharp\r?\n(.*?)```", RegexOptions.Singleline).Match(readme, from);
        if (!block.Success) throw new InvalidOperationException("README.md has no ```csharp block where one is expected");
        return block.Groups[1].Value;
    }

    /// <summary>
    /// The local feed, first, for the AkkaRaft packages only; every other package from the sources this machine's user
    /// configuration lists (nuget.org when it lists none), through the shared global packages folder.
    /// </summary>
    private static string NuGetConfig(string feed)
    {
        var sources = UserSources();
        var config = new XElement("configuration",
            new XElement("packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "akkaraft-local"), new XAttribute("value", feed)),
                sources.Select(s => new XElement("add", new XAttribute("key", s.Key), new XAttribute("value", s.Value)))),
            new XElement("packageSourceMapping",
                new XElement("packageSource", new XAttribute("key", "akkaraft-local"),
                    new XElement("package", new XAttribute("pattern", "AkkaRaft.*"))),
                sources.Select(s => new XElement("packageSource", new XAttribute("key", s.Key),
                    new XElement("package", new XAttribute("pattern", "*"))))));
        return config.ToString();
    }

    private static List<KeyValuePair<string, string>> UserSources()
    {
        var file = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "NuGet", "NuGet.Config");
        var sources = File.Exists(file)
            ? XDocument.Load(file).Root?.Element("packageSources")?.Elements("add")
                .Select(e => KeyValuePair.Create((string?)e.Attribute("key") ?? "", (string?)e.Attribute("value") ?? ""))
                .Where(s => s.Key.Length > 0 && s.Value.Length > 0 && !s.Key.StartsWith("akkaraft", StringComparison.OrdinalIgnoreCase))
                .ToList()
            : null;
        return sources is { Count: > 0 } ? sources : [KeyValuePair.Create("nuget.org", "https://api.nuget.org/v3/index.json")];
    }

    private static string Csproj(string version)
    {
        var pinned = RepoPackageVersions();
        string Pin(string id) => pinned.TryGetValue(id, out var v)
            ? v
            : throw new InvalidOperationException($"Directory.Packages.props pins no version of {id}");
        return $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <IsPackable>false</IsPackable>
                <IsTestProject>true</IsTestProject>
                <NoWarn>$(NoWarn);NU1603</NoWarn>
                <!-- Peers on real time in a test process: raise the thread pool's floor, as docs/testing.md advises. -->
                <ThreadPoolMinThreads>16</ThreadPoolMinThreads>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AkkaRaft.Actors" Version="{version}" />
                <PackageReference Include="AkkaRaft.TestKit" Version="{version}" />
                <PackageReference Include="Akka.TestKit.Xunit2" Version="{Pin("Akka.TestKit.Xunit2")}" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="{Pin("Microsoft.NET.Test.Sdk")}" />
                <PackageReference Include="xunit" Version="{Pin("xunit")}" />
                <PackageReference Include="xunit.runner.visualstudio" Version="{Pin("xunit.runner.visualstudio")}" />
              </ItemGroup>
            </Project>
            """;
    }

    /// <summary>The repository's pinned versions, so the sample takes packages the machine already has.</summary>
    private static Dictionary<string, string> RepoPackageVersions()
    {
        var props = XDocument.Parse(RepoFiles.Read("Directory.Packages.props"));
        var akka = props.Descendants("AkkaVersion").Single().Value;
        return props.Descendants("PackageVersion").ToDictionary(
            e => (string)e.Attribute("Include")!,
            e => ((string)e.Attribute("Version")!).Replace("$(AkkaVersion)", akka),
            StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The embedding statements inside a test that supplies what they expect. The README's peers n2 and n3 run on other
    /// machines; here they run in the same ActorSystem, so the wrapper replaces only their two addresses with local paths
    /// and starts them itself, with long election timeouts so that the README's n1 is the one elected.
    /// </summary>
    private static string EmbeddingWrapper(string snippet)
    {
        var local = Regex.Replace(snippet, @"akka\.tcp://app@10\.0\.0\.([23]):4053/user/raft", m => $"akka://app/user/raft-n{m.Groups[1].Value}");
        if (local == snippet) throw new InvalidOperationException("the README's embedding example no longer names the peers at akka.tcp://app@10.0.0.2:4053 and 10.0.0.3:4053");
        return $$"""
            using Akka.Actor;
            using Akka.Configuration;
            using AkkaRaft.Actors;
            using Xunit;
            using Xunit.Abstractions;

            public class ReadmeEmbeddingExample(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(
                ConfigurationFactory.ParseString("akka.raft { cluster-id = sample, members = [n1, n2, n3] }"), "app", output)
            {
                [Fact]
                public async Task Embedding_example_applies_the_proposed_command()
                {
                    var system = Sys;
                    var stateMachine = CreateTestProbe();
                    IActorRef myStateMachine = stateMachine.Ref;
                    var commandBytes = "set greeting hello"u8.ToArray();
                    var slow = ConfigurationFactory.ParseString("akka.raft { election-timeout-min = 10s, election-timeout-max = 12s }")
                        .WithFallback(system.Settings.Config);
                    foreach (var id in new[] { "n2", "n3" })
                    {
                        var routes = new[] { "n1", "n2", "n3" }.Where(p => p != id)
                            .ToDictionary(p => p, p => ActorPath.Parse(p == "n1" ? "akka://app/user/raft" : $"akka://app/user/raft-{p}"));
                        system.ActorOf(RaftActor.SupervisedProps(RaftSettings.Create(slow).WithPeerId(id), RaftPeers.FromPaths(routes)), $"raft-{id}");
                    }

                    // The README's statements, as printed but for the two addresses.
            {{local}}
                    // n1 gets that Propose before any election and answers NotLeader (to no one: it was told without a
                    // sender). An application retries on NotLeader; so does this test, once n1 leads.
                    await AwaitAssertAsync(async () => Assert.True((await raft.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(3))).IsLeader),
                        TimeSpan.FromSeconds(30));
                    var accepted = await raft.Ask<ProposeAccepted>(new Propose(commandBytes), TimeSpan.FromSeconds(5));
                    var applied = await stateMachine.FishForMessageAsync<Applied>(a => a.Index == accepted.Index, TimeSpan.FromSeconds(10));
                    Assert.Equal(commandBytes, applied.Command);
                }
            }
            """;
    }
}
