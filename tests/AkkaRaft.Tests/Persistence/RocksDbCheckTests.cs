using AkkaRaft.Persistence.RocksDb;
using RocksDbSharp;

namespace AkkaRaft.Tests.Persistence;

/// <summary><see cref="RocksDbPersistence.Check"/>: a one-line error naming the path and the problem, never a silent use.</summary>
public sealed class RocksDbCheckTests : IDisposable
{
    private readonly string _path = RocksDbTestSupport.NewPath();

    public void Dispose() => RocksDbTestSupport.Delete(_path);

    private static void AssertOneLine(RocksDbStoreException error, string path, string problem)
    {
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains(path, error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Equal(Path.GetFullPath(path), error.Path);
    }

    /// <summary>A database with a few keys, flushed so it has a table file, closed.</summary>
    private void CreateDatabase()
    {
        using var db = RocksDbSharp.RocksDb.Open(new DbOptions().SetCreateIfMissing(true), _path);
        var write = new WriteOptions().SetSync(true);
        for (var i = 0; i < 100; i++) db.Put(BitConverter.GetBytes(i), new byte[100], null, write);
        db.Flush(new FlushOptions().SetWaitForFlush(true));
    }

    [Fact]
    public void Creates_a_database_where_there_is_none()
    {
        RocksDbPersistence.Check(_path);
        Assert.True(File.Exists(Path.Combine(_path, "CURRENT")));
        RocksDbPersistence.Check(_path);
    }

    [Fact]
    public void Refuses_a_regular_file()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        File.WriteAllText(_path, "not a database");
        var error = Assert.Throws<RocksDbStoreException>(() => RocksDbPersistence.Check(_path));
        AssertOneLine(error, _path, "is a file");
    }

    [Fact]
    public void Refuses_a_directory_with_other_files_and_no_database()
    {
        Directory.CreateDirectory(_path);
        File.WriteAllText(Path.Combine(_path, "notes.txt"), "mine");
        var error = Assert.Throws<RocksDbStoreException>(() => RocksDbPersistence.Check(_path));
        AssertOneLine(error, _path, "is not a RocksDB database");
        Assert.Equal(new[] { "notes.txt" }, Directory.GetFileSystemEntries(_path).Select(Path.GetFileName));
    }

    [Fact]
    public void Refuses_a_database_another_holder_has_locked()
    {
        using var holder = RocksDbSharp.RocksDb.Open(new DbOptions().SetCreateIfMissing(true), _path);
        var error = Assert.Throws<RocksDbStoreException>(() => RocksDbPersistence.Check(_path));
        AssertOneLine(error, _path, "is locked");
    }

    [Fact]
    public void Refuses_a_database_whose_CURRENT_file_is_damaged()
    {
        CreateDatabase();
        File.WriteAllText(Path.Combine(_path, "CURRENT"), "garbage");
        var error = Assert.Throws<RocksDbStoreException>(() => RocksDbPersistence.Check(_path));
        AssertOneLine(error, _path, "is damaged");
    }

    [Fact]
    public void Refuses_a_database_whose_MANIFEST_is_damaged()
    {
        CreateDatabase();
        var manifest = Directory.GetFiles(_path, "MANIFEST-*").Single();
        var bytes = File.ReadAllBytes(manifest);
        for (var i = 10; i < bytes.Length - 10; i += 7) bytes[i] ^= 0x5A;
        File.WriteAllBytes(manifest, bytes);
        var error = Assert.Throws<RocksDbStoreException>(() => RocksDbPersistence.Check(_path));
        AssertOneLine(error, _path, "is damaged");
    }

    [Fact]
    public void Refuses_a_database_with_a_truncated_table_file()
    {
        CreateDatabase();
        var table = Directory.GetFiles(_path, "*.sst").First();
        using (var file = new FileStream(table, FileMode.Open)) file.SetLength(file.Length / 2);
        var error = Assert.Throws<RocksDbStoreException>(() => RocksDbPersistence.Check(_path));
        AssertOneLine(error, _path, "is damaged");
    }
}
