using Akka.Configuration;
using Akka.Persistence.Sql;
using AkkaRaft.Persistence.RocksDb;
using Microsoft.Data.Sqlite;

namespace AkkaRaft.Host;

/// <summary>
/// Where a node keeps its journal and snapshots, chosen by <c>akkaraft.journal</c> in the cluster file: <c>rocksdb</c>
/// (the default; a RocksDB directory <c>&lt;data-dir&gt;/&lt;id&gt;.rocksdb</c>) or <c>sqlite</c> (a SQLite file
/// <c>&lt;data-dir&gt;/&lt;id&gt;.db</c>). Each is checked before the node starts, so a store that is not a database,
/// is damaged or is in use by another process ends the node with one line and exit code 2.
/// </summary>
/// <param name="Store">The plugins and the node's own location: above the cluster file, which cannot move them.</param>
/// <param name="Defaults">The shipped settings file and the plugin's defaults: below the cluster file, which may tune them.</param>
internal sealed record NodeStorage(string Kind, string Location, Config Store, Config Defaults)
{
    public const string RocksDb = "rocksdb";
    public const string Sqlite = "sqlite";

    /// <summary>The store of node <paramref name="id"/> in <paramref name="directory"/>, checked and ready to open.</summary>
    /// <exception cref="HostError">An unknown kind, data of the other kind in its place, or a store that cannot be used.</exception>
    public static NodeStorage Prepare(Config nodeConfig, string directory, string id, string programDirectory)
    {
        var kind = nodeConfig.GetString("akkaraft.journal", RocksDb);
        var rocks = Path.GetFullPath(Path.Combine(directory, $"{id}.rocksdb"));
        var sqlite = Path.GetFullPath(Path.Combine(directory, $"{id}.db"));
        switch (kind)
        {
            case RocksDb:
                // A node's log must never be silently swapped for an empty one: data of the other kind is refused.
                if (File.Exists(sqlite) && !Directory.Exists(rocks))
                    throw new HostError($"{sqlite} holds {id}'s journal in SQLite; set akkaraft.journal = sqlite in the cluster file to keep using it");
                var rocksDefaults = Shipped(programDirectory, "rocksdb-journal.hocon").WithFallback(RocksDbPersistence.DefaultConfiguration);
                CheckRocksDb(rocks);
                return new NodeStorage(kind, rocks, Pinned("rocksdb", "path", rocks), rocksDefaults);
            case Sqlite:
                if (Directory.Exists(rocks) && !File.Exists(sqlite))
                    throw new HostError($"{rocks} holds {id}'s journal in RocksDB; remove akkaraft.journal = sqlite from the cluster file to keep using it");
                var sqliteDefaults = SqliteDefaults(programDirectory).WithFallback(SqlPersistence.DefaultConfiguration);
                PrepareSqlite(sqlite);
                return new NodeStorage(kind, sqlite, Pinned("sql", "connection-string", "Data Source=" + sqlite), sqliteDefaults);
            default:
                throw new HostError($"akkaraft.journal = '{kind}' is not a journal this node knows (rocksdb or sqlite)");
        }
    }

    private static void CheckRocksDb(string path)
    {
        try
        {
            RocksDbPersistence.Check(path);
        }
        catch (RocksDbStoreException e)
        {
            throw new HostError(e.Message);
        }
    }

    /// <summary>
    /// The journal and snapshot-store plugins <c>akka.persistence.*.<paramref name="plugin"/></c>, with <paramref name="setting"/>
    /// (where the node's store is) set to <paramref name="value"/> in both.
    /// </summary>
    private static Config Pinned(string plugin, string setting, string value)
    {
        var quoted = Quote(value);
        return ConfigurationFactory.ParseString($$"""
                akka.persistence.journal { plugin = "akka.persistence.journal.{{plugin}}", {{plugin}}.{{setting}} = {{quoted}} }
                akka.persistence.snapshot-store { plugin = "akka.persistence.snapshot-store.{{plugin}}", {{plugin}}.{{setting}} = {{quoted}} }
                """);
    }

    /// <summary>
    /// The shipped hocon/sqlite-journal.hocon (the build copies it into <paramref name="programDirectory"/>) with a longer
    /// recovery bound. recovery-event-timeout bounds how long recovery waits for each answer from the journal; past it
    /// the peer stays stopped for good. The file has already been checked, so the bound only has to catch a journal that
    /// hangs, and must not catch a slow start: the plugin's first use took 11 s with three nodes starting on a busy
    /// two-core machine.
    /// </summary>
    /// <exception cref="HostError">The shipped file cannot be read.</exception>
    private static Config SqliteDefaults(string programDirectory) =>
        ConfigurationFactory.ParseString("akka.persistence.journal.sql.recovery-event-timeout = 60s")
            .WithFallback(Shipped(programDirectory, "sqlite-journal.hocon"));

    private static Config Shipped(string programDirectory, string name)
    {
        var path = Path.Combine(programDirectory, "hocon", name);
        try
        {
            return ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostError($"cannot read the journal settings {path} (the build puts them beside the program): {e.Message}");
        }
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>
    /// Refuses a file that is not a sound SQLite database, then puts it (or the new file) in write-ahead-log mode.
    /// </summary>
    /// <remarks>
    /// In WAL mode with SQLite's default synchronous = FULL a commit appends to one log file and syncs it once,
    /// where the default rollback journal syncs a journal, the database and the directory: measured with the
    /// benchmark, 64 proposers went from 8,986 to 19,147 commits/s over Akka.Remote, and one proposer's median
    /// from 5.2 to 1.8 ms, with every commit still on disk before it is acknowledged. The mode is stored in the
    /// file, so the journal plugin's own connections use it.
    /// </remarks>
    internal static void PrepareSqlite(string file)
    {
        var existed = File.Exists(file);
        try
        {
            // Read-write: a node killed in mid-write may leave a hot rollback journal (or a WAL) beside the file,
            // and SQLite must roll it back or replay it before anything can be read, which read-only refuses to do.
            using var connection = new SqliteConnection($"Data Source={file};Mode={(existed ? "ReadWrite" : "ReadWriteCreate")}");
            connection.Open();
            using var command = connection.CreateCommand();
            if (existed)
            {
                command.CommandText = "PRAGMA quick_check";
                var verdict = command.ExecuteScalar() as string;
                if (verdict != "ok") throw new HostError($"{file} is damaged: {verdict}");
            }
            command.CommandText = "PRAGMA journal_mode=WAL";
            var mode = command.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new HostError($"{file} cannot be put in write-ahead-log mode (SQLite answered '{mode}')");
        }
        catch (SqliteException e)
        {
            throw new HostError($"{file} is not a readable SQLite database: {e.Message}");
        }
    }
}
