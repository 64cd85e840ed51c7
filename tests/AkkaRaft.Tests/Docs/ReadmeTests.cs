using System.Text.RegularExpressions;

namespace AkkaRaft.Tests.Docs;

public class ReadmeTests
{
    private const string Begin = "// README example: begin";
    private const string End = "// README example: end";

    [Fact]
    public void Readme_first_csharp_block_is_the_compiled_example()
    {
        var readme = RepoFiles.Read("README.md");
        var block = Regex.Match(readme, @"```csharp\r?\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "README.md has no ```csharp block");

        var source = RepoFiles.Read("tests", "AkkaRaft.Tests", "Docs", "ReadmeExampleTests.cs");
        var start = source.IndexOf(Begin, StringComparison.Ordinal);
        var end = source.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"ReadmeExampleTests.cs lacks the markers '{Begin}' and '{End}'");
        var example = source[(start + Begin.Length)..end];

        Assert.Equal(Normalise(example), Normalise(block.Groups[1].Value));
    }

    private static string Normalise(string code) => Regex.Replace(code, @"\s+", " ").Trim();
}
