using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// A node killed in the middle of a journal write leaves its SQLite file with a hot rollback journal beside it
/// (<c>n1.db-journal</c>). That is a normal crash image, not damage: SQLite rolls the unfinished transaction back the
/// next time the file is opened for writing, and the node must start from it.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class HostCrashImageTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akkaraft-crash-").FullName;
    private HostNodeProcess? _node;

    [Fact]
    public async Task A_database_left_by_a_crash_in_mid_write_starts_the_node()
    {
        var data = Directory.CreateDirectory(Path.Combine(_dir, "data")).FullName;
        var database = Path.Combine(data, "n1.db");
        WriteCrashImage(Path.Combine(_dir, "live.db"), database);
        Assert.True(File.Exists(database + "-journal"), "the crash image has no rollback journal");
        // The image is what a crash leaves: reading it needs a rollback first, which a read-only connection cannot do.
        var readOnly = Assert.Throws<SqliteException>(() => Query(database, "Mode=ReadOnly", "SELECT count(*) FROM filler"));
        Assert.Equal(8, readOnly.SqliteErrorCode); // SQLITE_READONLY

        var config = Path.Combine(_dir, "c.hocon");
        var ports = HostCluster.FreePorts(3); // n2 and n3 never start: n1 only has to recover
        await File.WriteAllTextAsync(config, $$"""
            akkaraft { nodes = [
              { id = n1, host = "127.0.0.1", port = {{ports[0]}} }
              { id = n2, host = "127.0.0.1", port = {{ports[1]}} }
              { id = n3, host = "127.0.0.1", port = {{ports[2]}} }
            ], journal = sqlite }
            """);
        _node = new HostNodeProcess("n1", _dir, ["node", "--config", config, "--id", "n1", "--data-dir", data]);
        await HostCluster.Eventually(TimeSpan.FromSeconds(60), "n1 recovers its Raft state from the crash image", () =>
        {
            if (_node.HasExited) throw new Xunit.Sdk.XunitException($"n1 exited:\n{string.Join("\n", _node.Lines)}");
            return Task.FromResult(_node.Lines.FirstOrDefault(l => l.Contains("n1 recovered at term 0", StringComparison.Ordinal)));
        });
        _node.Dispose();

        // The unfinished transaction was rolled back: what was committed is there, what was not is gone.
        Assert.False(File.Exists(database + "-journal"), "the rollback journal is still there");
        Assert.Equal(CommittedRows, Query(database, "Mode=ReadOnly", "SELECT count(*) FROM filler"));
        Assert.Equal(0L, Query(database, "Mode=ReadOnly", "SELECT count(*) FROM filler WHERE length(x) != 4096"));
    }

    private const long CommittedRows = 64;

    /// <summary>
    /// Copies <paramref name="live"/> to <paramref name="image"/> while a write transaction on it has spilled pages to
    /// the file: the copy, journal included, is what a SIGKILL at that moment leaves on disk.
    /// </summary>
    private static void WriteCrashImage(string live, string image)
    {
        using var connection = new SqliteConnection($"Data Source={live};Pooling=False");
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = DELETE"); // the journal mode Akka.Persistence.Sql leaves SQLite in
        Execute(connection, "CREATE TABLE filler (x BLOB)");
        Execute(connection, $"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {CommittedRows}) INSERT INTO filler SELECT zeroblob(4096) FROM n");
        // A tiny page cache makes the transaction write changed pages to the file before it commits.
        Execute(connection, "PRAGMA cache_size = 2");
        using var transaction = connection.BeginTransaction();
        Execute(connection, "UPDATE filler SET x = randomblob(8192)");
        File.Copy(live, image);
        File.Copy(live + "-journal", image + "-journal");
        transaction.Rollback();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Query(string database, string mode, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};{mode};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        _node?.Dispose();
        foreach (var line in _node?.Lines.TakeLast(20) ?? []) output.WriteLine(line);
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
