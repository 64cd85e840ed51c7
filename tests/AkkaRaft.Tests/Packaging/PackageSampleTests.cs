using System.Diagnostics;
using System.Text.RegularExpressions;
using AkkaRaft.Tests.Docs;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Packaging;

/// <summary>Packing and building a sample uses both cores for a while: these tests run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class PackagingCollection
{
    public const string Name = "packaging";
}

/// <summary>
/// The packages work for a user: AkkaRaft.Actors, AkkaRaft.KeyValue and AkkaRaft.TestKit, packed from the builds
/// these tests run on into a local feed, restore by PackageReference into a project outside the repository, and the
/// README's two C# examples, read from README.md now, compile and pass there.
/// </summary>
[Collection(PackagingCollection.Name)]
public class PackageSampleTests(ITestOutputHelper output)
{
    private static readonly string[] Packed = ["AkkaRaft.Actors", "AkkaRaft.KeyValue", "AkkaRaft.TestKit"];

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public async Task Readme_examples_run_against_the_packed_libraries()
    {
        var clock = Stopwatch.StartNew();
        var readme = RepoFiles.Read("README.md");
        // A version no earlier run used, so restore can only find these packages in this run's feed, never in a cache.
        var suffix = $"sample.{DateTime.UtcNow:yyyyMMddHHmmss}.{Guid.NewGuid():N}"[..40];
        var version = $"{PackedVersionPrefix()}-{suffix}";
        var work = Path.Combine(Path.GetTempPath(), "akkaraft-package-sample-" + Guid.NewGuid().ToString("N")[..8]);
        var feed = Path.Combine(work, "feed");
        try
        {
            Directory.CreateDirectory(work);
            var pack = await DotnetCli.Run(work, TimeSpan.FromMinutes(3), PackAll(work, feed, suffix));
            Assert.True(pack.ExitCode == 0, $"packing failed (exit {pack.ExitCode}):\n{pack.Tail()}");
            foreach (var id in Packed)
                Assert.True(File.Exists(Path.Combine(feed, $"{id}.{version}.nupkg")), $"no {id}.{version}.nupkg in the feed:\n{pack.Tail()}");
            output.WriteLine($"packed in {clock.Elapsed.TotalSeconds:F1} s");

            var sample = Path.Combine(work, "sample");
            SampleProject.Write(sample, feed, version, readme);
            // The two examples one after the other: on a loaded machine they would otherwise compete for the pool.
            var test = await DotnetCli.Run(sample, TimeSpan.FromMinutes(5), "test", "-nodeReuse:false", "--",
                "xUnit.ParallelizeTestCollections=false");
            output.WriteLine($"sample restored, built and tested at {clock.Elapsed.TotalSeconds:F1} s");
            Assert.True(test.ExitCode == 0, $"the sample's tests failed (exit {test.ExitCode}):\n{test.Tail()}");
            Assert.Matches(new Regex(@"Passed!\s+-\s+Failed:\s+0,\s+Passed:\s+2,"), test.Output);
            AssertRestoredFromFeed(sample, version);
        }
        finally
        {
            TryDelete(work);
            // The unique version is extracted into the shared global packages folder; nothing will use it again.
            foreach (var id in Packed)
            {
                var folder = Path.Combine(GlobalPackagesFolder(), id.ToLowerInvariant());
                TryDelete(Path.Combine(folder, version));
                if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) TryDelete(folder);
            }
        }
    }

    /// <summary>
    /// One MSBuild run that packs the three projects with --no-build semantics: the assemblies are the ones these
    /// tests were built with, only the package version differs.
    /// </summary>
    private static string[] PackAll(string work, string feed, string suffix)
    {
        var traversal = Path.Combine(work, "pack.proj");
        var projects = string.Join(";", Packed.Select(id => Path.Combine(RepoFiles.Root, "src", id, id + ".csproj")));
        File.WriteAllText(traversal, $"""
            <Project>
              <Target Name="Pack">
                <MSBuild Projects="{projects}" Targets="Pack" BuildInParallel="false"
                         Properties="Configuration={Configuration};NoBuild=true;VersionSuffix={suffix};PackageOutputPath={feed}" />
              </Target>
            </Project>
            """);
        return ["msbuild", traversal, "-t:Pack", "-nodeReuse:false", "-nologo", "-v:m"];
    }

    private static string PackedVersionPrefix() =>
        Regex.Match(RepoFiles.Read("Directory.Build.props"), @"<VersionPrefix>([^<]+)</VersionPrefix>") is { Success: true } m
            ? m.Groups[1].Value
            : throw new InvalidOperationException("Directory.Build.props sets no VersionPrefix");

    /// <summary>The sample's restore took this run's packages: its assets file names the unique version.</summary>
    private static void AssertRestoredFromFeed(string sample, string version)
    {
        var assets = File.ReadAllText(Path.Combine(sample, "obj", "project.assets.json"));
        foreach (var id in Packed)
            Assert.Contains($"\"{id}/{version}\"", assets);
    }

    private static string GlobalPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the system's temporary-file cleanup.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
