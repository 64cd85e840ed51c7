using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Tests.Core;

/// <summary>Logs and entries for rule tests, described by their terms.</summary>
internal static class Logs
{
    /// <summary>A log holding one entry per term given, from index 1.</summary>
    public static RaftLog Of(params long[] terms)
    {
        var log = new RaftLog();
        log.Append(Entries(1, terms));
        return log;
    }

    /// <summary>One entry per term given, from index <paramref name="first"/>; each command is its index's low byte.</summary>
    public static LogEntry[] Entries(long first, params long[] terms) =>
        terms.Select((t, i) => new LogEntry(first + i, t, [(byte)(first + i)])).ToArray();
}
