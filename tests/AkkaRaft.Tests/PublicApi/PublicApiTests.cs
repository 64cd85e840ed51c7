using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using AkkaRaft.Tests.Docs;
using PublicApiGenerator;

namespace AkkaRaft.Tests.PublicApi;

/// <summary>
/// The public API of every package, as text, must equal its approved file (<c>PublicApi/&lt;assembly&gt;.approved.txt</c>),
/// so that a change to what users compile against is made on purpose and shows in review. To accept a change, run the
/// tests with <c>AKKARAFT_ACCEPT_API=1</c>: each differing approved file is rewritten, and the diff is committed.
/// </summary>
public class PublicApiTests
{
    /// <summary>Set to 1 to rewrite the approved files with the current API instead of failing.</summary>
    public const string AcceptVariable = "AKKARAFT_ACCEPT_API";

    private const int ShownLines = 12;

    public static TheoryData<string> Packages() => [.. PackagedAssemblies()];

    [Theory]
    [MemberData(nameof(Packages))]
    public void Public_api_matches_the_approved_file(string assemblyName)
    {
        var assembly = LoadReferenced(assemblyName);
        var current = Normalise(assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }));
        var file = ApprovedFile(assemblyName);
        var approved = File.Exists(file) ? Normalise(File.ReadAllText(file)) : null;
        if (approved == current) return;

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(file, current);
            return;
        }
        Assert.Fail(approved is null
            ? $"{assemblyName} has no approved public API file ({Relative(file)}). Run the tests with {AcceptVariable}=1 to write it, then commit it."
            : Describe(assemblyName, file, approved, current));
    }

    [Fact]
    public void Every_approved_file_belongs_to_a_package()
    {
        var packages = PackagedAssemblies().ToHashSet(StringComparer.Ordinal);
        var stale = Directory.GetFiles(Path.Combine(RepoFiles.Root, "tests", "AkkaRaft.Tests", "PublicApi"), "*.approved.txt")
            .Select(f => Path.GetFileName(f)[..^".approved.txt".Length])
            .Where(name => !packages.Contains(name))
            .ToArray();
        Assert.True(stale.Length == 0, $"approved public API files for assemblies that are not packaged: {string.Join(", ", stale)}; delete them");
    }

    /// <summary>
    /// The assemblies `dotnet pack` packs, by the rule in Directory.Build.props: every project under src/ whose csproj
    /// does not set IsPackable to false.
    /// </summary>
    internal static IEnumerable<string> PackagedAssemblies() =>
        Directory.GetDirectories(Path.Combine(RepoFiles.Root, "src"))
            .Select(dir => Path.Combine(dir, Path.GetFileName(dir) + ".csproj"))
            .Where(File.Exists)
            .Where(csproj => !Regex.IsMatch(File.ReadAllText(csproj), @"<IsPackable>\s*false\s*</IsPackable>", RegexOptions.IgnoreCase))
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Order(StringComparer.Ordinal);

    private static Assembly LoadReferenced(string name)
    {
        try
        {
            return Assembly.Load(new AssemblyName(name));
        }
        catch (FileNotFoundException)
        {
            throw new InvalidOperationException(
                $"{name} is packaged but not referenced by tests/AkkaRaft.Tests: add a ProjectReference so its public API is checked");
        }
    }

    private static string Describe(string assemblyName, string file, string approved, string current)
    {
        var was = approved.Split('\n');
        var now = current.Split('\n');
        var first = 0;
        while (first < was.Length && first < now.Length && was[first] == now[first]) first++;

        var text = new StringBuilder()
            .AppendLine($"The public API of {assemblyName} differs from {Relative(file)}, first at line {first + 1}:")
            .AppendLine($"  approved: {(first < was.Length ? was[first].Trim() : "(end of file)")}")
            .AppendLine($"  current:  {(first < now.Length ? now[first].Trim() : "(end of file)")}");
        var removed = was.Except(now).Where(l => l.Trim().Length > 1).Take(ShownLines).ToArray();
        var added = now.Except(was).Where(l => l.Trim().Length > 1).Take(ShownLines).ToArray();
        foreach (var line in removed) text.AppendLine($"- {line.Trim()}");
        foreach (var line in added) text.AppendLine($"+ {line.Trim()}");
        return text
            .Append($"If the change is intended, run the tests with {AcceptVariable}=1 to rewrite the approved file, and commit it ")
            .Append($"(dotnet test tests/AkkaRaft.Tests --filter FullyQualifiedName~PublicApiTests).")
            .ToString();
    }

    private static string ApprovedFile(string assemblyName) =>
        Path.Combine(RepoFiles.Root, "tests", "AkkaRaft.Tests", "PublicApi", assemblyName + ".approved.txt");

    private static string Relative(string file) => Path.GetRelativePath(RepoFiles.Root, file).Replace('\\', '/');

    private static string Normalise(string api) => api.Replace("\r\n", "\n").TrimEnd('\n') + "\n";
}
