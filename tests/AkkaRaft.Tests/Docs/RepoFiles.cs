namespace AkkaRaft.Tests.Docs;

/// <summary>Files of the repository the tests run from, found by walking up to the folder that holds AkkaRaft.sln.</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string Read(params string[] relative) => File.ReadAllText(Path.Combine([Root, .. relative]));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AkkaRaft.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no AkkaRaft.sln in {AppContext.BaseDirectory} or any folder above it");
    }
}
