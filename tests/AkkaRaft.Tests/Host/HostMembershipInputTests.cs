namespace AkkaRaft.Tests.Host;

/// <summary>A membership command or a joining node with bad input ends with exit 2 and one line naming the problem, before anything is sent.</summary>
public sealed class HostMembershipInputTests
{
    [Theory]
    [InlineData("'127.0.0.1' is not HOST:PORT", "add", "n4", "127.0.0.1", "--config", "c.hocon")]
    [InlineData("'h:70000' is not HOST:PORT", "add", "n4", "h:70000", "--learner", "--config", "c.hocon")]
    [InlineData("add takes ID HOST:PORT", "add", "n4", "--config", "c.hocon")]
    [InlineData("'-x' is not a node id", "remove", "-x", "--config", "c.hocon")]
    [InlineData("promote takes ID", "promote", "--config", "c.hocon")]
    [InlineData("--port P is required with --join", "node", "--id", "n4", "--host", "127.0.0.1", "--join")]
    [InlineData("--port 'x' is not a TCP port", "node", "--id", "n4", "--host", "127.0.0.1", "--port", "x", "--join")]
    [InlineData("--host goes with --join", "node", "--config", "c.hocon", "--id", "n1", "--host", "127.0.0.1")]
    public async Task Bad_input_is_named_in_one_line_with_exit_2(string expected, params string[] args)
    {
        var result = await HostProcess.Run(Path.GetTempPath(), TimeSpan.FromSeconds(60), args);
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("error: ", line[..7]);
        Assert.Contains(expected, line);
    }
}
