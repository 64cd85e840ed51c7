namespace AkkaRaft.Actors.Core;

/// <summary>
/// What of the log is durable and what is still being written (etcd calls the second part "unstable"). The leader
/// counts itself toward a majority only up to <see cref="DurableIndex"/> (Raft thesis §10.2.1), and a follower answers
/// for entries only once they are durable. Pure bookkeeping: the peer tells it what it wrote and what completed.
/// </summary>
internal sealed class LogDurability
{
    /// <summary>
    /// Counts changes to the log other than appends at its end (truncations, installed snapshots). A write begun before
    /// such a change speaks of entries that may no longer be the log's, so its completion must not move
    /// <see cref="DurableIndex"/>.
    /// </summary>
    private long _rewrites;

    /// <summary>The last log index known to be in the journal (or covered by a durable snapshot).</summary>
    public long DurableIndex { get; private set; }

    /// <summary>Pipelined appends (written without holding the mailbox) whose writes have not completed.</summary>
    public int AppendsInFlight { get; private set; }

    /// <summary>After recovery the journal holds the whole log.</summary>
    public void Recovered(long lastIndex) => DurableIndex = lastIndex;

    /// <summary>The log changed other than by an append at its end; it now ends durably at most at <paramref name="lastKept"/>.</summary>
    public void Rewritten(long lastKept)
    {
        DurableIndex = Math.Min(DurableIndex, lastKept);
        _rewrites++;
    }

    /// <summary>A journal write begins; <paramref name="pipelined"/> when the mailbox keeps running meanwhile.</summary>
    public WriteTicket Begin(bool pipelined)
    {
        if (pipelined) AppendsInFlight++;
        return new WriteTicket(_rewrites, pipelined);
    }

    /// <summary>A write completed; it appended entries up to <paramref name="appendedUpTo"/> (0 when it appended none).</summary>
    public void Completed(WriteTicket ticket, long appendedUpTo)
    {
        if (ticket.Pipelined) AppendsInFlight--;
        if (appendedUpTo > 0 && ticket.Rewrites == _rewrites) DurableIndex = Math.Max(DurableIndex, appendedUpTo);
    }

    /// <summary>A durable snapshot stands for every entry up to <paramref name="index"/>.</summary>
    public void CoveredBySnapshot(long index) => DurableIndex = Math.Max(DurableIndex, index);
}

/// <summary>What a journal write was begun under (see <see cref="LogDurability.Begin"/>).</summary>
internal readonly record struct WriteTicket(long Rewrites, bool Pipelined);
