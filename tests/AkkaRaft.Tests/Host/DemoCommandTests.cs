using System.Text.RegularExpressions;
using AkkaRaft.Host;

namespace AkkaRaft.Tests.Host;

/// <summary>`demo` end to end: real child processes, a leader killed with SIGKILL, every acknowledged write found.</summary>
[Collection(TimingCollection.Name)]
public sealed class DemoCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akkaraft-demo-test-").FullName;

    [Fact]
    public async Task The_demo_finds_every_acknowledged_write_after_the_leader_is_killed()
    {
        using var demo = HostChild.Start(_dir, "demo");
        // Generous: the demo takes about 20 s, and bounds each of its own steps.
        var (exitCode, stdout) = await demo.WaitForExitAsync(TimeSpan.FromSeconds(180));
        var context = $"stdout:\n{stdout}\nstderr:\n{demo.Stderr}";
        var summary = Regex.Match(stdout, @"^summary: all (\d+) acknowledged writes found", RegexOptions.Multiline);
        Assert.True(summary.Success, $"no success summary; {context}");
        Assert.True(int.Parse(summary.Groups[1].Value) > 0, context);
        Assert.Matches(@"failover \(kill -9 of the leader .*\): \d+\.\d\d s", stdout);
        // A table of the nodes after the first election, after the kill (the killed leader unreachable), after the
        // catch-up and at the end.
        Assert.True(Regex.Matches(stdout, @"(?m)^ +node +address +role +term +leader +commit +applied +lag +heard$").Count == 4, context);
        Assert.Matches(@"is the new leader at term \d+, seen .*\n(?: +.*\n)*? +n\d +\S+ +unreachable", stdout);
        Assert.True(exitCode == 0, $"exit code {exitCode}; {context}");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The demo's final check, on histories known to be good and known to be bad.</summary>
public sealed class DemoVerdictTests
{
    private static DemoWrite Write(int number, bool acknowledged = true) => new(number, TimeSpan.Zero, TimeSpan.Zero, acknowledged);

    [Fact]
    public void Every_acknowledged_write_once_and_in_order_passes()
    {
        var verdict = DemoVerdict.Check([Write(1), Write(2), Write(3)], "w1 w2 w3 ");
        Assert.True(verdict.Passed);
        Assert.Equal("all 3 acknowledged writes found, each once and in order; none timed out", verdict.Describe());
    }

    [Fact]
    public void A_timed_out_write_may_be_present_or_absent()
    {
        var verdict = DemoVerdict.Check([Write(1), Write(2, acknowledged: false), Write(3), Write(4, acknowledged: false)], "w1 w2 w3 ");
        Assert.True(verdict.Passed);
        Assert.Equal((1, 1), (verdict.TimedOutPresent, verdict.TimedOutAbsent));
    }

    [Fact]
    public void A_missing_acknowledged_write_fails()
    {
        var verdict = DemoVerdict.Check([Write(1), Write(2), Write(3)], "w1 w3 ");
        Assert.False(verdict.Passed);
        Assert.Equal(["w2"], verdict.Missing);
        Assert.StartsWith("FAILED: 1 of 3 acknowledged writes missing (w2)", verdict.Describe());
    }

    [Fact]
    public void A_write_applied_twice_fails()
    {
        Assert.Equal(["w2"], DemoVerdict.Check([Write(1), Write(2, acknowledged: false)], "w1 w2 w2 ").Duplicated);
    }

    [Fact]
    public void A_token_never_written_fails() =>
        Assert.Equal(["w9"], DemoVerdict.Check([Write(1)], "w1 w9 ").Unexpected);

    [Fact]
    public void Acknowledged_writes_out_of_order_fail() =>
        Assert.False(DemoVerdict.Check([Write(1), Write(2)], "w2 w1 ").InOrder);

    [Fact]
    public void No_acknowledged_write_at_all_fails() =>
        Assert.False(DemoVerdict.Check([Write(1, acknowledged: false)], null).Passed);
}
