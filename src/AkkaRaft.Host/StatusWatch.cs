using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Spectre.Console;

namespace AkkaRaft.Host;

/// <summary>
/// `status --watch`: asks every node for its state once per interval and shows the table of nodes, redrawn in place
/// on a terminal (Spectre.Console's live display), or printed afresh each time when stdout is a file or a pipe. Runs
/// until Ctrl-C or SIGTERM, which end it with exit 0.
/// </summary>
internal static class StatusWatch
{
    public static async Task<int> Run(ClusterFile cluster, TimeSpan interval, CancellationToken cancel)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true; // end through the loop, which leaves the terminal tidy
            stop.Cancel();
        }
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var system = ClientCommands.ClientSystem(cluster);
        // A node that is down costs a whole ask each round: keep the asks within the interval, but give a busy node time.
        var bound = TimeSpan.FromSeconds(Math.Clamp(interval.TotalSeconds, 0.5, 2));
        async Task<IReadOnlyList<NodeRow>?> Round()
        {
            var survey = ClientCommands.Survey(system, cluster.Nodes, bound, bound);
            // Ctrl-C during a round ends the watch at once rather than after the slowest node.
            await Task.WhenAny(survey, Task.Delay(Timeout.Infinite, stop.Token)).ConfigureAwait(false);
            return stop.IsCancellationRequested ? null : NodeRow.Of(await survey);
        }
        async Task Pause(Stopwatch round)
        {
            var left = interval - round.Elapsed;
            if (left > TimeSpan.Zero) await Task.Delay(left, stop.Token);
        }
        string Title(IReadOnlyList<NodeRow> rows) =>
            $"{cluster.Path} at {DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}: {rows.Count(r => r.State is not null)} of {rows.Count} nodes answer" +
            $" (every {interval.TotalSeconds:0.###} s; Ctrl-C stops)";
        try
        {
            if (NodeTable.IsTerminal())
            {
                await AnsiConsole.Live(new Text($"asking the nodes of {cluster.Path}...")).AutoClear(false).StartAsync(async live =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        var round = Stopwatch.StartNew();
                        if (await Round() is not { } rows) break;
                        live.UpdateTarget(NodeTable.Render(rows, Markup.Escape(Title(rows))));
                        live.Refresh();
                        await Pause(round);
                    }
                });
            }
            else
            {
                while (!stop.IsCancellationRequested)
                {
                    var round = Stopwatch.StartNew();
                    if (await Round() is not { } rows) break;
                    Console.WriteLine(Title(rows));
                    foreach (var line in NodeTable.Lines(rows)) Console.WriteLine(line);
                    Console.WriteLine();
                    await Pause(round);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM: the watch is over.
        }
        finally
        {
            await system.Terminate();
        }
        return 0;
    }
}
