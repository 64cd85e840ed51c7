using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using AkkaRaft.Host;

namespace AkkaRaft.Tests.Host;

/// <summary>`status --watch` with stdout not a terminal, against three real `node` processes on loopback.</summary>
[Collection(TimingCollection.Name)]
public sealed class StatusWatchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akkaraft-watch-").FullName;

    [Fact]
    public async Task Watch_prints_a_fresh_table_per_interval_and_Ctrl_C_ends_it_with_exit_0()
    {
        using var cluster = LocalCluster.Start(HostChild.Program, 3, "akkaraft-watch-test");
        using var watch = HostChild.Start(_dir, "status", "--watch", "--interval", "0.5", "--config", cluster.Cluster.Path);
        var seen = new List<string>();
        var clock = Stopwatch.StartNew();
        // Wait for a table in which every node answers and one leads, then for the next table after it.
        var complete = false;
        var tablesAfter = 0;
        var current = new List<string>();
        while (tablesAfter < 1)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"no complete table within 90 s:\n{string.Join("\n", seen)}\nstderr:\n{watch.Stderr}");
            var line = await watch.ReadLineAsync(TimeSpan.FromSeconds(60)) ?? throw new Xunit.Sdk.XunitException($"the watch ended early:\n{string.Join("\n", seen)}\nstderr:\n{watch.Stderr}");
            seen.Add(line);
            if (!line.StartsWith(cluster.Cluster.Path, StringComparison.Ordinal))
            {
                current.Add(line);
                continue;
            }
            if (complete) tablesAfter++;
            complete = complete || IsComplete(current);
            current.Clear();
            Assert.Matches(@"\d+ of \d+ nodes answer \(every 0\.5 s; Ctrl-C stops\)$", line);
        }

        using (var interrupt = Process.Start("kill", ["-INT", watch.Pid.ToString(CultureInfo.InvariantCulture)])) await interrupt.WaitForExitAsync();
        var (exitCode, _) = await watch.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, exitCode);
    }

    /// <summary>A header, then one row per node, each answering, exactly one of them leading.</summary>
    private static bool IsComplete(List<string> table)
    {
        var rows = table.Where(l => Regex.IsMatch(l, @"^n\d ")).ToList();
        return table.FirstOrDefault()?.StartsWith("node ", StringComparison.Ordinal) == true
            && rows.Count == 3
            && rows.All(r => !r.Contains("unreachable"))
            && rows.Count(r => Regex.IsMatch(r, @"^n\d +\S+ +leader ")) == 1;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
