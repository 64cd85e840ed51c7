using System.Runtime;
using System.Runtime.InteropServices;
using AkkaRaft.Bench;

// AkkaRaft.Bench: every workload in one run (see BenchOptions.Usage), or --restart / --kv / --catch-up / --storage on their own.
// Each row runs on a fresh cluster (empty logs, a new election) so rows do not inherit each other's log.

// --election-probe N [W]: N failover trials that count terms and split votes, after W timed journal writes (docs/elections.md).
if (args.Length > 0 && args[0] == "--election-probe")
    return await ElectionProbe.Run(int.Parse(args[1]), args.Length > 2 ? int.Parse(args[2]) : 200);
// --chart-from FILE [--out DIR]: redraw the charts of an existing results.json (beside it, or in DIR); nothing is run.
if (args.Length > 0 && args[0] == "--chart-from")
    return Redraw(args);
if (args is ["--help"] or ["-h"] or ["help"])
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}
var options = BenchOptions.Parse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine($"{error}; try --help");
    return 2;
}

#if DEBUG
const string configuration = "Debug";
#else
const string configuration = "Release";
#endif
var header = string.Join(Environment.NewLine,
    $"command: dotnet run -c {configuration} --project bench/AkkaRaft.Bench --{string.Concat(args.Select(a => " " + Quote(a)))}",
    $"runtime: {RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, " +
    $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC, {configuration} build; started {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine(header);
#if DEBUG
Console.WriteLine("warning: Debug build; numbers are not representative (use -c Release)");
#endif

using var metrics = options.Metrics ? BenchMetrics.Listen() : null;
if (options.Storage)
    return StorageProbe.Run(options);
if (options.RestartCommands > 0)
    return await RestartWorkload.Run(options.RestartCommands, snapshotEvery: 1000, store: options.Journals is [var journal] ? journal : "rocksdb");
if (options.KeyValue)
    return await KvWorkload.Run(options);
if (options.CatchUpEntries > 0)
    return await CatchUpWorkload.Run(options);
return await Suite.Run(options, header);

static string Quote(string arg) => arg.Length > 0 && !arg.Any(char.IsWhiteSpace) && !arg.Contains('"') ? arg : $"\"{arg.Replace("\"", "\\\"")}\"";

static int Redraw(string[] args)
{
    if (args is not ["--chart-from", var file, ..] || args.Length is not (2 or 4) || (args.Length == 4 && args[2] != "--out"))
    {
        Console.Error.WriteLine("error: usage: --chart-from FILE [--out DIR]");
        return 2;
    }
    var rows = ResultsJson.Read(file, out var error);
    if (rows is null)
    {
        Console.Error.WriteLine($"error: --chart-from: {error}");
        return 2;
    }
    var directory = Path.GetFullPath(args.Length == 4 ? args[3] : Path.GetDirectoryName(Path.GetFullPath(file))!);
    var (written, skipped) = Chart.WriteAll(directory, rows);
    foreach (var path in written) Console.WriteLine($"written: {path}");
    if (skipped is not null) Console.WriteLine($"not written: {skipped}");
    return 0;
}
