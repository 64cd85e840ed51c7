using System.Net;
using System.Net.Sockets;
using AkkaRaft.Host;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// `shell` against real processes: three `node`s on loopback, or none. Each line in gets exactly one JSON line out, in
/// order, written as soon as the operation ends (each reply is read before the next line is sent).
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class ShellCommandTests : IDisposable
{
    // Generous: the first operation waits for the nodes to start and elect a leader on a busy two-core machine.
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("akkaraft-shell-").FullName;

    [Fact]
    public async Task Each_line_gets_one_JSON_line_in_order()
    {
        using var cluster = LocalCluster.Start(HostChild.Program, 3, "akkaraft-shell-test");
        using var shell = HostChild.Start(_dir, "shell", "--config", cluster.Cluster.Path, "--timeout", "60");
        (string Line, string Reply)[] dialogue =
        [
            ("put greeting hello", """{"op":"put","key":"greeting","value":"hello","ok":true}"""),
            ("append greeting  world", """{"op":"append","key":"greeting","value":" world","ok":true}"""),
            ("get greeting", """{"op":"get","key":"greeting","value":"hello world","ok":true}"""),
            ("frobnicate greeting", """{"op":"frobnicate","ok":false,"error":"bad-input","detail":"unknown operation 'frobnicate'; expected put, append or get"}"""),
            ("put lonely", """{"op":"put","ok":false,"error":"bad-input","detail":"put takes KEY VALUE"}"""),
            ("get missing", """{"op":"get","key":"missing","value":null,"ok":true}"""),
            ("""put quoted "a\b" <é>""", """{"op":"put","key":"quoted","value":"\"a\\b\" <é>","ok":true}"""),
            ("get quoted", """{"op":"get","key":"quoted","value":"\"a\\b\" <é>","ok":true}"""),
        ];
        foreach (var (line, reply) in dialogue)
        {
            await shell.WriteLineAsync(line);
            Assert.Equal(reply, await shell.ReadLineAsync(ReplyTimeout));
        }
        shell.CloseInput();
        var (exitCode, rest) = await shell.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("", rest);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Without_a_reachable_cluster_each_operation_times_out()
    {
        var file = Path.Combine(_dir, "nobody.hocon");
        var ports = UnusedPorts(3);
        File.WriteAllText(file, $$"""
            akkaraft { nodes = [
              { id = n1, host = "127.0.0.1", port = {{ports[0]}} }
              { id = n2, host = "127.0.0.1", port = {{ports[1]}} }
              { id = n3, host = "127.0.0.1", port = {{ports[2]}} }
            ] }
            """);
        using var shell = HostChild.Start(_dir, "shell", "--config", file, "--timeout", "1");
        await shell.WriteLineAsync("put k v");
        await shell.WriteLineAsync("get k");
        shell.CloseInput();
        var (exitCode, stdout) = await shell.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(
            """
            {"op":"put","key":"k","value":"v","ok":false,"error":"timeout"}
            {"op":"get","key":"k","ok":false,"error":"timeout"}

            """.ReplaceLineEndings("\n"),
            stdout);
        Assert.Equal(0, exitCode);
    }

    /// <summary>Ports nothing listens on: bound once to learn they are free, then released.</summary>
    private static int[] UnusedPorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>How `shell` reads a line and words its answer, without processes.</summary>
public sealed class ShellLineTests
{
    private const int Limit = 1000;

    [Theory]
    [InlineData("put k v", KvOperation.Put, "k", "v")]
    [InlineData("append k  two words ", KvOperation.Append, "k", " two words ")]
    [InlineData("  get k  ", KvOperation.Get, "k", null)]
    [InlineData("put k ", KvOperation.Put, "k", "")]
    public void A_well_formed_line_is_an_operation(string line, KvOperation operation, string key, string? value)
    {
        var request = ShellRequest.Parse(line, Limit);
        Assert.Null(request.Problem);
        Assert.Equal(operation, request.Operation);
        Assert.Equal(key, request.Key);
        Assert.Equal(value, request.Value);
    }

    [Theory]
    [InlineData("put", "put takes KEY VALUE")]
    [InlineData("append k", "append takes KEY VALUE")]
    [InlineData("get", "get takes KEY")]
    [InlineData("get a b", "get takes only KEY, found 'b' after it")]
    [InlineData("PUT k v", "unknown operation 'PUT'; expected put, append or get")]
    public void A_malformed_line_is_bad_input_naming_the_problem(string line, string problem)
    {
        var request = ShellRequest.Parse(line, Limit);
        Assert.Null(request.Operation);
        Assert.Equal("bad-input", request.Error);
        Assert.Equal(problem, request.Problem);
    }

    [Fact]
    public void A_value_too_large_for_one_message_is_refused()
    {
        var request = ShellRequest.Parse("put k " + new string('x', Limit), Limit);
        Assert.Null(request.Operation);
        Assert.Equal(
            """{"op":"put","key":"k","ok":false,"error":"too-large","detail":"key and value take 1001 bytes; at most 1000 fit in one message"}""",
            ShellCommand.Reply(request, null));
    }

    [Fact]
    public void A_timed_out_write_keeps_its_value_and_a_timed_out_read_has_none()
    {
        Assert.Equal("""{"op":"append","key":"k","value":"v","ok":false,"error":"timeout"}""",
            ShellCommand.Reply(ShellRequest.Parse("append k v", Limit), new KvResult(KvOutcome.Timeout)));
        Assert.Equal("""{"op":"get","key":"k","ok":false,"error":"timeout"}""",
            ShellCommand.Reply(ShellRequest.Parse("get k", Limit), new KvResult(KvOutcome.Timeout)));
    }

    [Fact]
    public void A_write_whose_session_expired_says_so_rather_than_timeout()
    {
        Assert.Equal("""{"op":"put","key":"k","value":"v","ok":false,"error":"session-expired"}""",
            ShellCommand.Reply(ShellRequest.Parse("put k v", Limit), new KvResult(KvOutcome.SessionExpired)));
    }

    [Fact]
    public void Control_characters_are_escaped_and_a_reply_stays_one_line()
    {
        var reply = ShellCommand.Reply(ShellRequest.Parse("get k", Limit), new KvResult(KvOutcome.Ok, "a\nb\t\u0001"));
        Assert.Equal("""{"op":"get","key":"k","value":"a\nb\t\u0001","ok":true}""", reply);
    }
}
