using AkkaRaft.Actors.KeyValue;

namespace AkkaRaft.Tests.Unit;

/// <summary>The key-value state machine: operations, exactly-once sessions (Raft thesis §6.3), snapshots.</summary>
public sealed class KvStateTests
{
    private static KvCommand Put(string client, long seq, string key, string value) => new(client, seq, KvOperation.Put, key, value);
    private static KvCommand Append(string client, long seq, string key, string value) => new(client, seq, KvOperation.Append, key, value);

    [Fact]
    public void Put_replaces_append_concatenates_and_an_absent_key_reads_null()
    {
        var state = new KvState();
        Assert.Null(state.Get("k"));
        state.Apply(Append("c", 1, "k", "a"));
        state.Apply(Append("c", 2, "k", "b"));
        Assert.Equal("ab", state.Get("k"));
        state.Apply(Put("c", 3, "k", "x"));
        Assert.Equal("x", state.Get("k"));
    }

    [Fact]
    public void A_retried_write_is_applied_once()
    {
        // Reference: Raft thesis §6.3, client sessions.
        var state = new KvState();
        Assert.True(state.Apply(Append("c", 1, "k", "a")));
        Assert.False(state.Apply(Append("c", 1, "k", "a")));
        Assert.Equal("a", state.Get("k"));
        Assert.True(state.IsApplied("c", 1));
        Assert.False(state.IsApplied("c", 2));
        Assert.True(state.Apply(Append("other", 1, "k", "b"))); // sessions are per client
        Assert.Equal("ab", state.Get("k"));
    }

    [Fact]
    public void The_snapshot_carries_the_data_and_the_sessions()
    {
        var state = new KvState();
        state.Apply(Put("c", 5, "k", "v"));
        state.Apply(Put("d", 2, "ü", "ω"));
        var restored = new KvState();
        restored.Restore(state.ToSnapshot());
        Assert.Equal("v", restored.Get("k"));
        Assert.Equal("ω", restored.Get("ü"));
        Assert.False(restored.Apply(Put("c", 5, "k", "again")), "the session must survive the snapshot");
        Assert.Equal("v", restored.Get("k"));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 9 })]
    [InlineData(new byte[] { 1, 5 })]
    [InlineData(new byte[] { 1, 0, 0, 7 })]
    public void Bytes_that_are_not_a_snapshot_are_refused_and_change_nothing(byte[] bytes)
    {
        var state = new KvState();
        state.Apply(Put("c", 1, "k", "v"));
        Assert.Throws<InvalidDataException>(() => state.Restore(bytes));
        Assert.Equal("v", state.Get("k"));
    }

    [Fact]
    public void Commands_round_trip_and_anything_else_decodes_to_null()
    {
        var command = Append("client", 42, "key", "value");
        Assert.Equal(command, KvCommand.Decode(command.Encode()));
        Assert.Null(KvCommand.Decode([]));             // a leader's no-op
        Assert.Null(KvCommand.Decode([1, 2, 3]));
        var truncated = command.Encode()[..^1];
        Assert.Null(KvCommand.Decode(truncated));
    }
}
