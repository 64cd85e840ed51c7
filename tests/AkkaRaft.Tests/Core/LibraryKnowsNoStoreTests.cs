using System.Text.RegularExpressions;

namespace AkkaRaft.Tests.Core;

/// <summary>
/// The library under <c>src/AkkaRaft.Actors</c> knows nothing of the key-value store built on it: its types, messages,
/// configuration and metric names live in <c>src/AkkaRaft.KeyValue</c>, so the library's wire format and settings carry
/// only Raft.
/// </summary>
public sealed partial class LibraryKnowsNoStoreTests
{
    /// <summary>A key-value type (<c>KvServer</c>, <c>KvRequest</c>...), the store's namespace, or one of its metric names.</summary>
    [GeneratedRegex(@"\bKv[A-Z]|AkkaRaft\.KeyValue\.|raft\.kv\.|akkaraft\.kv\b")]
    private static partial Regex StoreName();

    [Fact]
    public void No_source_or_configuration_file_of_the_library_names_the_key_value_store()
    {
        var library = Path.Combine(Docs.RepoFiles.Root, "src", "AkkaRaft.Actors");
        var files = Directory.GetFiles(library, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".conf", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToArray();
        var offenders = files
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (file, line, i)))
            .Where(x => StoreName().IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(library, x.file)}:{x.i + 1}: {x.line.Trim()}")
            .ToArray();
        Assert.True(files.Length > 20, $"only {files.Length} source files under {library}");
        Assert.True(offenders.Length == 0, "the library names the key-value store:\n" + string.Join("\n", offenders));
    }
}
