using System.Text;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Tests.Unit;

/// <summary>The key-value state machine: operations, client sessions (Raft thesis §6.3), snapshots.</summary>
public sealed class KvStateTests
{
    /// <summary>Applies commands at consecutive log indexes, as a replica's apply loop does.</summary>
    private sealed class Replica
    {
        public KvState State { get; } = new();
        public long Index { get; set; }

        public long Register(int max = 100)
        {
            State.Apply(new KvRegisterCommand(max, 0), ++Index);
            return Index; // a session's id is its register entry's index
        }

        public KvApplyOutcome Put(long session, long seq, string key, string value) =>
            State.Apply(new KvWriteCommand(session, seq, KvOperation.Put, key, value), ++Index);

        public KvApplyOutcome Append(long session, long seq, string key, string value) =>
            State.Apply(new KvWriteCommand(session, seq, KvOperation.Append, key, value), ++Index);
    }

    [Fact]
    public void A_capture_keeps_the_state_it_was_taken_at_while_the_original_moves_on()
    {
        var r = new Replica();
        var c = r.Register();
        r.Put(c, 1, "k", "before");
        var expected = r.State.ToSnapshot();

        var captured = r.State.Capture();
        r.Put(c, 2, "k", "after");
        r.Put(c, 3, "other", "x");
        r.Register(); // a second session

        Assert.Equal(expected, captured.ToSnapshot());
        Assert.Equal("after", r.State.Get("k"));
        Assert.Equal(2, r.State.SessionCount);
        Assert.Equal(KvApplyOutcome.Duplicate, captured.Apply(new KvWriteCommand(c, 1, KvOperation.Put, "k", "again"), r.Index + 1)); // its sessions came along
    }

    [Fact]
    public void Put_replaces_append_concatenates_and_an_absent_key_reads_null()
    {
        var r = new Replica();
        var c = r.Register();
        Assert.Null(r.State.Get("k"));
        r.Append(c, 1, "k", "a");
        r.Append(c, 2, "k", "b");
        Assert.Equal("ab", r.State.Get("k"));
        r.Put(c, 3, "k", "x");
        Assert.Equal("x", r.State.Get("k"));
    }

    [Fact]
    public void Reads_between_appends_see_each_append_and_a_capture_keeps_the_value_it_was_taken_at()
    {
        var r = new Replica();
        var c = r.Register();
        r.Put(c, 1, "k", "x");
        r.Append(c, 2, "k", "a");
        Assert.Equal("xa", r.State.Get("k"));
        r.Append(c, 3, "k", "b");
        var captured = r.State.Capture();
        r.Append(c, 4, "k", "c");
        Assert.Equal("xabc", r.State.Get("k"));
        Assert.Equal("xab", captured.Get("k"));
        r.Put(c, 5, "k", "y");
        r.Append(c, 6, "k", "z");
        Assert.Equal("yz", r.State.Get("k"));
        Assert.Equal("xab", captured.Get("k"));
    }

    [Fact]
    public void Replaying_appends_to_one_key_allocates_in_proportion_to_the_value_not_to_the_appends_times_the_value()
    {
        // A replica without a snapshot rebuilds its state from the whole log on restart; copying the value at every
        // append made that quadratic (4,000 appends of 50 characters: about 800 MB copied, not 400 KB).
        const int appends = 4_000;
        var token = new string('t', 50);
        var r = new Replica();
        var c = r.Register();
        var commands = Enumerable.Range(1, appends).Select(seq => new KvWriteCommand(c, seq, KvOperation.Append, "k", token)).ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var command in commands) r.State.Apply(command, ++r.Index);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var valueBytes = 2L * appends * token.Length;
        Assert.True(allocated < 8 * valueBytes, $"{allocated} bytes allocated for a value of {valueBytes} bytes");
        Assert.Equal(appends * token.Length, r.State.Get("k")!.Length);
    }

    [Fact]
    public void A_retried_write_is_applied_once()
    {
        // Reference: Raft thesis §6.3, client sessions.
        var r = new Replica();
        var c = r.Register();
        var other = r.Register();
        Assert.Equal(KvApplyOutcome.Applied, r.Append(c, 1, "k", "a"));
        Assert.Equal(KvApplyOutcome.Duplicate, r.Append(c, 1, "k", "a"));
        Assert.Equal("a", r.State.Get("k"));
        Assert.True(r.State.IsApplied(c, 1));
        Assert.False(r.State.IsApplied(c, 2));
        Assert.Equal(KvApplyOutcome.Applied, r.Append(other, 1, "k", "b")); // sessions are per client
        Assert.Equal("ab", r.State.Get("k"));
    }

    [Fact]
    public void A_session_id_is_its_register_entry_index_so_a_new_client_never_inherits_an_old_sequence()
    {
        // Reference: Raft thesis §6.3: sessions are registered through the log, so ids are unique across restarts.
        var r = new Replica();
        var first = r.Register();
        r.Put(first, 1, "k", "old");
        var second = r.Register();
        Assert.NotEqual(first, second);
        Assert.Equal(KvApplyOutcome.Applied, r.Put(second, 1, "k", "new"));
        Assert.Equal("new", r.State.Get("k"));
    }

    [Fact]
    public void A_write_in_an_unknown_or_evicted_session_is_not_applied()
    {
        // Reference: Raft thesis §6.3: a retry after its session expired is refused, never applied again.
        var r = new Replica();
        var c = r.Register(max: 2);
        Assert.Equal(KvApplyOutcome.Applied, r.Append(c, 1, "k", "x"));
        r.Register(max: 2);
        r.Register(max: 2); // the table is full: c, the least recently active, is evicted
        Assert.Equal(KvApplyOutcome.SessionExpired, r.Append(c, 1, "k", "x"));
        Assert.Equal(KvApplyOutcome.SessionExpired, r.Append(c, 2, "k", "y"));
        Assert.Equal(KvApplyOutcome.SessionExpired, r.Append(12345, 1, "k", "z")); // never registered
        Assert.Equal("x", r.State.Get("k"));
        Assert.False(r.State.IsApplied(c, 1));
    }

    [Fact]
    public void Eviction_takes_the_least_recently_active_session_not_the_oldest()
    {
        // Reference: Raft thesis §6.3: expiry by a rule every replica derives from the log alone (here LRU by index).
        var r = new Replica();
        var a = r.Register(max: 2);
        var b = r.Register(max: 2);
        r.Put(a, 1, "k", "v"); // a is now more recently active than b
        r.Register(max: 2);
        Assert.Equal(KvApplyOutcome.Applied, r.Put(a, 2, "k", "w"));
        Assert.Equal(KvApplyOutcome.SessionExpired, r.Put(b, 1, "k", "u"));
    }

    [Fact]
    public void The_session_table_stays_bounded_over_100000_one_shot_clients()
    {
        // Reference: Raft thesis §6.3: the table must not grow with every client that ever wrote.
        const int max = 50;
        var r = new Replica();
        for (var i = 0; i < 100_000; i++)
        {
            var session = r.Register(max);
            Assert.Equal(KvApplyOutcome.Applied, r.Put(session, 1, "k", "v"));
            if (r.State.SessionCount > max) Assert.Fail($"{r.State.SessionCount} sessions after {i + 1} clients, more than {max}");
        }
        Assert.Equal(max, r.State.SessionCount);
        Assert.True(r.State.ToSnapshot().Length < 50 * 1024);
    }

    [Fact]
    public void Replicas_and_a_snapshot_restored_replica_hold_identical_session_tables()
    {
        // Reference: Raft thesis §6.3 (sessions are part of the replicated state) and §5.4/§7 (a snapshot replaces the
        // log prefix it covers): the eviction order must survive it, or replicas would later disagree on a retry.
        const int max = 8;
        var one = new Replica();
        var two = new Replica();
        var random = new Random(7);
        var sessions = new List<long>();
        var sequences = new Dictionary<long, long>();
        for (var step = 0; step < 400; step++)
        {
            if (sessions.Count == 0 || random.Next(4) == 0)
            {
                sessions.Add(one.Register(max));
                two.Register(max);
                continue;
            }
            // Writes from random live sessions, so activity order differs from id order, and some from evicted ones.
            var live = one.State.Sessions.Select(x => x.Id).ToArray();
            var session = random.Next(5) == 0 ? sessions[random.Next(sessions.Count)] : live[random.Next(live.Length)];
            var seq = sequences[session] = sequences.GetValueOrDefault(session) + 1;
            Assert.Equal(one.Append(session, seq, $"k{step % 5}", "x"), two.Append(session, seq, $"k{step % 5}", "x"));
        }
        var restored = new Replica { Index = one.Index };
        restored.State.Restore(one.State.ToSnapshot());

        Assert.Equal(max, one.State.SessionCount);
        var ids = one.State.Sessions.Select(s => s.Id).ToArray();
        Assert.NotEqual(ids.Order().ToArray(), ids); // the test needs activity order to differ from id order
        Assert.Equal(one.State.ToSnapshot(), two.State.ToSnapshot());
        Assert.Equal(one.State.ToSnapshot(), restored.State.ToSnapshot());
        Assert.Equal(one.State.Sessions, restored.State.Sessions);

        // The next registration evicts the same session on all three.
        var victim = one.State.Sessions.First().Id;
        foreach (var replica in new[] { one, two, restored })
        {
            replica.Register(max);
            Assert.DoesNotContain(replica.State.Sessions, s => s.Id == victim);
        }
        Assert.Equal(one.State.ToSnapshot(), restored.State.ToSnapshot());
    }

    [Fact]
    public void The_snapshot_carries_the_data_and_the_sessions()
    {
        var r = new Replica();
        var c = r.Register();
        var d = r.Register();
        r.Put(c, 5, "k", "v");
        r.Put(d, 2, "ü", "ω");
        var restored = new KvState();
        restored.Restore(r.State.ToSnapshot());
        Assert.Equal("v", restored.Get("k"));
        Assert.Equal("ω", restored.Get("ü"));
        Assert.Equal(KvApplyOutcome.Duplicate, restored.Apply(new KvWriteCommand(c, 5, KvOperation.Put, "k", "again"), r.Index + 1));
        Assert.Equal("v", restored.Get("k"));
    }

    /// <summary>A format 1 snapshot, as the version with string client ids wrote it.</summary>
    private static byte[] FormatOneSnapshot(IReadOnlyDictionary<string, string> data, IReadOnlyDictionary<string, long> clients)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write((byte)1);
            w.Write7BitEncodedInt(data.Count);
            foreach (var (k, v) in data) { w.Write(k); w.Write(v); }
            w.Write7BitEncodedInt(clients.Count);
            foreach (var (c, s) in clients) { w.Write(c); w.Write7BitEncodedInt64(s); }
        }
        return stream.ToArray();
    }

    [Fact]
    public void A_format_1_snapshot_and_old_K_entries_keep_their_data_and_their_deduplication()
    {
        var state = new KvState();
        state.Restore(FormatOneSnapshot(new Dictionary<string, string> { ["k"] = "a" }, new Dictionary<string, long> { ["old"] = 3 }));
        Assert.Equal("a", state.Get("k"));
        Assert.Equal(0, state.SessionCount);
        // Entries an old leader wrote after that snapshot still apply, deduplicated as they were then.
        Assert.Equal(KvApplyOutcome.Duplicate, state.Apply(new KvLegacyWriteCommand("old", 3, KvOperation.Append, "k", "b"), 10));
        Assert.Equal(KvApplyOutcome.Applied, state.Apply(new KvLegacyWriteCommand("old", 4, KvOperation.Append, "k", "c"), 11));
        Assert.Equal(KvApplyOutcome.Duplicate, state.Apply(new KvLegacyWriteCommand("old", 4, KvOperation.Append, "k", "c"), 12));
        Assert.Equal("ac", state.Get("k"));
        // The old table is in the snapshot until the first register entry, then dropped.
        var carried = new KvState();
        carried.Restore(state.ToSnapshot());
        Assert.Equal(KvApplyOutcome.Duplicate, carried.Apply(new KvLegacyWriteCommand("old", 4, KvOperation.Append, "k", "c"), 13));
        state.Apply(new KvRegisterCommand(10, 0), 13);
        Assert.True(state.ToSnapshot().Length < carried.ToSnapshot().Length);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 9 })]
    [InlineData(new byte[] { 1, 5 })]
    [InlineData(new byte[] { 1, 0, 0, 7 })]
    [InlineData(new byte[] { 2, 0, 1, 5, 0 })]             // a session cut short
    [InlineData(new byte[] { 2, 0, 2, 5, 0, 6, 5, 0, 6, 0 })] // the same session twice
    [InlineData(new byte[] { 2, 0, 2, 5, 0, 9, 6, 0, 7, 0 })] // activity out of order
    public void Bytes_that_are_not_a_snapshot_are_refused_and_change_nothing(byte[] bytes)
    {
        var r = new Replica();
        r.Put(r.Register(), 1, "k", "v");
        var before = r.State.ToSnapshot();
        Assert.Throws<InvalidDataException>(() => r.State.Restore(bytes));
        Assert.Equal("v", r.State.Get("k"));
        Assert.Equal(before, r.State.ToSnapshot());
    }

    [Fact]
    public void Commands_round_trip_and_anything_else_decodes_to_null()
    {
        KvCommand[] commands =
        [
            new KvWriteCommand(17, 42, KvOperation.Append, "key", "value"),
            new KvRegisterCommand(10_000, -5),
            new KvLegacyWriteCommand("client", 42, KvOperation.Put, "key", "value"),
        ];
        foreach (var command in commands)
        {
            Assert.Equal(command, KvCommand.Decode(command.Encode()));
            Assert.Null(KvCommand.Decode(command.Encode()[..^1]));
            Assert.Null(KvCommand.Decode([.. command.Encode(), 0]));
        }
        Assert.Null(KvCommand.Decode([]));             // a leader's no-op
        Assert.Null(KvCommand.Decode([1, 2, 3]));
        Assert.Null(KvCommand.Decode(new KvRegisterCommand(0, 1).Encode()));                          // no room for any session
        Assert.Null(KvCommand.Decode(new KvWriteCommand(0, 1, KvOperation.Put, "k", "v").Encode()));  // no session
        Assert.Null(KvCommand.Decode(new KvWriteCommand(1, 1, KvOperation.Get, "k", "").Encode()));   // not a write
    }

    [Fact]
    public void A_command_whose_string_length_decodes_negative_is_not_a_command()
    {
        // Everything in the log came from a client: a committed entry that is not a command is skipped on every
        // replica, never an exception that restarts the state machine onto the same entry again.
        byte[] negativeLength = [(byte)'W', 1, 1, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];

        Assert.Null(KvCommand.Decode(negativeLength));
        Assert.Throws<InvalidDataException>(() => new KvState().Restore([2, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]));
    }
}
