using System.Net;
using System.Net.Sockets;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// Every configuration mistake ends the Host with one line that names the problem and a non-zero exit, never a
/// stack trace. Each test runs the real program.
/// </summary>
public sealed class HostConfigurationErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akkaraft-host-").FullName;

    private string File(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private static string Cluster(int port) => $$"""
        akkaraft { nodes = [ { id = n1, host = "127.0.0.1", port = {{port}} }, { id = n2, host = "127.0.0.1", port = {{port + 1}} } ] }
        """;

    /// <summary>Runs the Host and checks it failed with exit code 2 and a single stderr line containing <paramref name="expected"/>.</summary>
    private async Task ExpectError(string expected, params string[] args)
    {
        var result = await HostProcess.Run(_dir, TimeSpan.FromSeconds(60), args);
        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{result.Stderr}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr); // no stack trace anywhere
    }

    [Fact]
    public Task An_unknown_node_id_is_named() =>
        ExpectError("unknown node id 'n9'", "node", "--config", File("c.hocon", Cluster(47301)), "--id", "n9");

    [Fact]
    public async Task A_port_in_use_is_named()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await ExpectError($"cannot listen on 127.0.0.1:{port}", "node", "--config", File("c.hocon", Cluster(port)), "--id", "n1", "--data-dir", Path.Combine(_dir, "data"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("http")]
    public Task A_metrics_port_out_of_range_is_named(string port) =>
        ExpectError($"--metrics-port '{port}' is not a TCP port (1-65535)", "node", "--config", File("c.hocon", Cluster(47301)), "--id", "n1", "--metrics-port", port);

    [Fact]
    public async Task A_metrics_port_in_use_is_named()
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var remoting = HostCluster.FreePorts(1)[0];
        await ExpectError($"--metrics-port {port}: cannot listen on it", "node", "--config", File("c.hocon", Cluster(remoting)), "--id", "n1",
            "--data-dir", Path.Combine(_dir, "data"), "--metrics-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public Task Malformed_HOCON_is_named() =>
        ExpectError("is not valid HOCON", "status", "--config", File("bad.hocon", "akkaraft { nodes = [ { id = n1 } } ] }"));

    [Fact]
    public Task A_missing_key_is_named() =>
        ExpectError("akkaraft.nodes[0].port is missing", "status", "--config", File("m.hocon", """akkaraft { nodes = [ { id = n1, host = "127.0.0.1" } ] }"""));

    [Fact]
    public Task A_missing_nodes_list_is_named() =>
        ExpectError("akkaraft.nodes is missing", "status", "--config", File("e.hocon", "akka.raft.cluster-id = x"));

    [Fact]
    public Task A_malformed_setting_is_named() =>
        ExpectError("akka.raft.election-timeout-min", "status", "--config", File("t.hocon", Cluster(47311) + "\nakka.raft.election-timeout-min = soon"));

    [Theory]
    [InlineData("soon")]
    [InlineData("-1s")]
    [InlineData("1m")]
    public Task A_handover_linger_that_is_not_a_short_duration_is_named(string value) =>
        ExpectError("akkaraft.handover-linger must be", "status", "--config", File("l.hocon", Cluster(47341) + $"\nakkaraft.handover-linger = {value}"));

    [Fact]
    public Task A_node_thread_that_is_neither_on_nor_off_is_named() =>
        ExpectError("akkaraft.node-thread must be on or off, is 'sometimes'", "node", "--config", File("t.hocon", Cluster(47381) + "\nakkaraft.node-thread = sometimes"), "--id", "n1");

    [Fact]
    public Task An_inline_socket_completions_setting_that_is_neither_on_nor_off_is_named() =>
        ExpectError("akkaraft.inline-socket-completions must be on or off, is 'sometimes'", "node", "--config", File("i.hocon", Cluster(47391) + "\nakkaraft.inline-socket-completions = sometimes"), "--id", "n1");

    [Fact]
    public Task A_missing_file_is_named() =>
        ExpectError("cannot read", "get", "k", "--config", Path.Combine(_dir, "nope.hocon"));

    [Fact]
    public Task A_damaged_SQLite_database_is_named()
    {
        var data = Directory.CreateDirectory(Path.Combine(_dir, "damaged")).FullName;
        var garbage = new byte[4096];
        new Random(3).NextBytes(garbage);
        System.IO.File.WriteAllBytes(Path.Combine(data, "n1.db"), garbage);
        return ExpectError("is not a readable SQLite database", "node", "--config", File("c.hocon", Cluster(47321) + "\nakkaraft.journal = sqlite"), "--id", "n1", "--data-dir", data);
    }

    [Fact]
    public Task A_journal_path_that_is_not_a_RocksDB_database_is_named()
    {
        var data = Directory.CreateDirectory(Path.Combine(_dir, "not-a-db")).FullName;
        System.IO.File.WriteAllText(Path.Combine(data, "n1.rocksdb"), "a file, not a database");
        return ExpectError(Path.Combine(data, "n1.rocksdb"), "node", "--config", File("c.hocon", Cluster(47351)), "--id", "n1", "--data-dir", data);
    }

    [Fact]
    public Task A_damaged_RocksDB_database_is_named()
    {
        var data = Directory.CreateDirectory(Path.Combine(_dir, "damaged-rocks")).FullName;
        var path = Path.Combine(data, "n1.rocksdb");
        AkkaRaft.Persistence.RocksDb.RocksDbPersistence.Check(path);
        foreach (var manifest in Directory.GetFiles(path, "MANIFEST-*"))
        {
            var garbage = new byte[4096];
            new Random(5).NextBytes(garbage);
            System.IO.File.WriteAllBytes(manifest, garbage);
        }
        return ExpectError(path, "node", "--config", File("c.hocon", Cluster(47361)), "--id", "n1", "--data-dir", data);
    }

    [Fact]
    public async Task A_RocksDB_database_in_use_by_another_process_is_named()
    {
        var data = Directory.CreateDirectory(Path.Combine(_dir, "locked")).FullName;
        var path = Path.Combine(data, "n1.rocksdb");
        using (var holder = RocksDbSharp.RocksDb.Open(new RocksDbSharp.DbOptions().SetCreateIfMissing(true), path))
            await ExpectError(path, "node", "--config", File("c.hocon", Cluster(47371)), "--id", "n1", "--data-dir", data);
    }

    [Fact]
    public Task An_unknown_option_is_named() =>
        ExpectError("unknown option '--colour'", "get", "k", "--config", File("c.hocon", Cluster(47331)), "--colour", "red");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
