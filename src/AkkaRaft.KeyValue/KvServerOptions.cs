namespace AkkaRaft.KeyValue;

/// <summary>Settings of a <see cref="KvServer"/>'s state machine.</summary>
public sealed record KvServerOptions
{
    /// <summary>The default <see cref="MaxSessions"/>.</summary>
    public const int DefaultMaxSessions = 10_000;

    /// <summary>
    /// Most client sessions the state machine keeps (Raft thesis §6.3). Registering one more evicts the least recently
    /// active; a later write in an evicted session is refused with <see cref="KvStatus.SessionExpired"/>. The leader
    /// writes its value into each register entry, so every replica evicts alike whatever its own setting. Each session
    /// costs about 50 bytes of memory and a few bytes of every snapshot. Unit: sessions; at least 1.
    /// </summary>
    public int MaxSessions { get; init; } = DefaultMaxSessions;

    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    internal void Validate()
    {
        if (MaxSessions < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxSessions), MaxSessions, $"{nameof(KvServerOptions)}.{nameof(MaxSessions)} must be at least 1");
    }
}
