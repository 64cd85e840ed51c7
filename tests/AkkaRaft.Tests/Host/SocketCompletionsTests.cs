using Akka.Configuration;
using AkkaRaft.Host;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// A node runs socket continuations on the runtime's socket thread unless the cluster file turns it off or the node
/// serves a metrics page (whose HttpListener writes synchronously, which inline completions could deadlock); the
/// runtime's own variable, when the node was started with it, decides instead, and never with a metrics page.
/// </summary>
public sealed class SocketCompletionsTests
{
    private static Config File(string? value) =>
        value is null ? Config.Empty : ConfigurationFactory.ParseString($"{SocketCompletions.Key} = {value}");

    [Theory]
    [InlineData(null, true)]
    [InlineData("on", true)]
    [InlineData("off", false)]
    public void The_cluster_file_decides_when_the_node_serves_no_metrics(string? value, bool inline) =>
        Assert.Equal(inline, SocketCompletions.Inline(File(value), metricsPort: null, environment: null));

    [Fact]
    public void A_node_that_serves_metrics_keeps_the_thread_pool() =>
        Assert.False(SocketCompletions.Inline(File("on"), metricsPort: 9464, environment: null));

    [Theory]
    [InlineData("on", "0", false)]
    [InlineData("off", "1", true)]
    [InlineData("off", "", false)]
    [InlineData("on", "", true)]
    public void The_runtime_variable_the_node_was_started_with_decides(string value, string environment, bool inline) =>
        Assert.Equal(inline, SocketCompletions.Inline(File(value), metricsPort: null, environment));

    [Fact]
    public void The_runtime_variable_with_a_metrics_page_is_refused_in_one_line()
    {
        var error = Assert.Throws<HostError>(() => SocketCompletions.Inline(Config.Empty, metricsPort: 9464, environment: "1"));
        Assert.Contains($"{SocketCompletions.Variable}=1 cannot be combined with --metrics-port", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_value_that_is_neither_on_nor_off_is_named()
    {
        var error = Assert.Throws<HostError>(() => SocketCompletions.Inline(File("sometimes"), metricsPort: null, environment: null));
        Assert.Equal($"{SocketCompletions.Key} must be on or off, is 'sometimes'", error.Message);
    }

    /// <summary>Runs <see cref="SocketCompletions.Apply(Config, int?, Func{string, string?}, Action{string, string})"/> on a variable of its own, not the test process's.</summary>
    private static string? Applied(Config file, int? metricsPort, string? startedWith)
    {
        var variable = startedWith;
        SocketCompletions.Apply(file, metricsPort, name => name == SocketCompletions.Variable ? variable : null, (name, value) =>
        {
            Assert.Equal(SocketCompletions.Variable, name);
            variable = value;
        });
        return variable;
    }

    [Fact]
    public void Applying_sets_the_runtime_variable_only_where_the_node_decided_inline_itself()
    {
        Assert.Equal("1", Applied(Config.Empty, metricsPort: null, startedWith: null));
        Assert.Null(Applied(File("off"), metricsPort: null, startedWith: null));
        Assert.Null(Applied(Config.Empty, metricsPort: 9464, startedWith: null));
        Assert.Equal("0", Applied(Config.Empty, metricsPort: null, startedWith: "0"));
    }
}
