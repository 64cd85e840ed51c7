using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Unit;

/// <summary>
/// A follower's reassembly of a snapshot sent in chunks (Raft paper Figure 13, InstallSnapshot receiver steps 2–5):
/// chunks are taken in order only, and every answer names the next offset the follower expects.
/// </summary>
public sealed class SnapshotAssemblyTests
{
    private static readonly byte[] State = Enumerable.Range(1, 10).Select(i => (byte)i).ToArray();

    /// <summary>The chunk of <see cref="State"/> at <paramref name="offset"/> of <paramref name="length"/> bytes.</summary>
    private static byte[] Chunk(int offset, int length) => State.AsSpan(offset, length).ToArray();

    /// <summary>
    /// Offers the chunk of <see cref="State"/> at <paramref name="offset"/> (4 bytes, or the rest) of snapshot
    /// (<paramref name="index"/>, <paramref name="term"/>), sent by <paramref name="leader"/> in <paramref name="leaderTerm"/>.
    /// </summary>
    private static long Offer(SnapshotAssembly assembly, int offset, out byte[]? complete, long index = 5, long term = 2, string leader = "n2", long leaderTerm = 3)
    {
        var length = Math.Min(4, State.Length - offset);
        return assembly.Offer(leader, leaderTerm, index, term, offset, Chunk(offset, length), done: offset + length == State.Length, out complete);
    }

    [Fact]
    public void Chunks_in_order_assemble_the_whole_snapshot()
    {
        // Reference: Raft paper Figure 13 (steps 2–5: create the snapshot at offset 0, write each chunk at its offset,
        // and stop at done)
        var assembly = new SnapshotAssembly();

        Assert.Equal(4, Offer(assembly, 0, out var c0));
        Assert.Null(c0);
        Assert.Equal(8, Offer(assembly, 4, out var c1));
        Assert.Null(c1);
        Assert.Equal(10, Offer(assembly, 8, out var complete));

        Assert.Equal(State, complete);
    }

    [Fact]
    public void Completion_comes_only_with_the_last_chunk_and_resets_the_assembly()
    {
        // Reference: Raft paper Figure 13 (step 5: reply and wait for more data chunks if done is false)
        var assembly = new SnapshotAssembly();
        Offer(assembly, 0, out _);
        Offer(assembly, 4, out var beforeLast);
        Assert.Null(beforeLast);
        Assert.Equal(8, assembly.Received);

        Offer(assembly, 8, out var complete);

        Assert.NotNull(complete);
        Assert.Equal(0, assembly.Index);
        Assert.Equal(0, assembly.Term);
        Assert.Equal(0, assembly.Received);
    }

    [Fact]
    public void A_duplicated_chunk_changes_nothing_and_names_the_next_offset()
    {
        // Reference: Raft paper Figure 13 (chunks are written at their offset); a resent chunk must not be written twice
        var assembly = new SnapshotAssembly();
        Offer(assembly, 0, out _);
        Offer(assembly, 4, out _);

        Assert.Equal(8, Offer(assembly, 4, out var again));

        Assert.Null(again);
        Assert.Equal(8, assembly.Received);
        Assert.Equal(10, Offer(assembly, 8, out var complete));
        Assert.Equal(State, complete);
    }

    [Fact]
    public void A_chunk_at_offset_zero_always_starts_over()
    {
        // Reference: Raft paper Figure 13 (step 2: create a new snapshot file if first chunk, offset is 0)
        var assembly = new SnapshotAssembly();
        Offer(assembly, 0, out _);
        Offer(assembly, 4, out _);

        Assert.Equal(4, Offer(assembly, 0, out var first));

        Assert.Null(first);
        Assert.Equal(4, assembly.Received);
    }

    [Fact]
    public void A_chunk_after_a_gap_is_refused_with_the_expected_offset()
    {
        // Reference: Raft paper Figure 13 (chunks are sent in order); the answer tells the leader where to resume
        var assembly = new SnapshotAssembly();
        Offer(assembly, 0, out _);

        Assert.Equal(4, Offer(assembly, 8, out var early)); // the last chunk overtook the middle one

        Assert.Null(early);
        Assert.Equal(4, assembly.Received);
        Assert.Equal(8, Offer(assembly, 4, out _));
        Assert.Equal(10, Offer(assembly, 8, out var complete));
        Assert.Equal(State, complete);
    }

    [Fact]
    public void A_later_chunk_of_another_snapshot_is_not_joined_to_this_one()
    {
        // Reference: Raft paper §7 (a chunk of another snapshot must not corrupt the one being assembled)
        var assembly = new SnapshotAssembly();
        Offer(assembly, 0, out _, index: 5);

        Assert.Equal(0, Offer(assembly, 4, out var other, index: 3, term: 1));

        Assert.Null(other);
        Assert.Equal(5, assembly.Index);
        Assert.Equal(4, assembly.Received);
        Assert.Equal(8, Offer(assembly, 4, out _, index: 5));
    }

    [Fact]
    public void A_chunk_from_another_leader_or_term_starts_over()
    {
        // Reference: Raft paper §5.1 (each term has at most one leader); two leaders' bytes are never joined, even for
        // a snapshot of the same index and term
        var assembly = new SnapshotAssembly();
        Offer(assembly, 0, out _);

        Assert.Equal(0, Offer(assembly, 4, out var otherLeader, leader: "n3"));
        Offer(assembly, 0, out _);
        Assert.Equal(0, Offer(assembly, 4, out var otherTerm, leaderTerm: 4));

        Assert.Null(otherLeader);
        Assert.Null(otherTerm);
        Assert.Equal(0, assembly.Received);
    }

    [Fact]
    public void A_newer_snapshot_at_offset_zero_starts_over()
    {
        // Reference: Raft paper Figure 13 (step 2: create a new snapshot file if first chunk, offset is 0)
        var assembly = new SnapshotAssembly();
        Offer(assembly, 0, out _, index: 5);
        Offer(assembly, 4, out _, index: 5);

        Assert.Equal(4, Offer(assembly, 0, out var first, index: 7, term: 3));

        Assert.Null(first);
        Assert.Equal(7, assembly.Index);
        Assert.Equal(3, assembly.Term);
        Assert.Equal(4, assembly.Received);
        Offer(assembly, 4, out _, index: 7, term: 3);
        Offer(assembly, 8, out var complete, index: 7, term: 3);
        Assert.Equal(State, complete);
    }

    [Fact]
    public void A_newer_snapshot_at_a_later_offset_asks_for_offset_zero()
    {
        // Reference: Raft paper Figure 13 (step 2: only the chunk at offset 0 creates a snapshot; without it the data
        // before the offset is missing)
        var assembly = new SnapshotAssembly();
        Offer(assembly, 0, out _, index: 5);

        Assert.Equal(0, Offer(assembly, 4, out var middle, index: 7, term: 3));
        Assert.Equal(0, Offer(assembly, 8, out var last, index: 7, term: 3));

        Assert.Null(middle);
        Assert.Null(last); // the last chunk alone is not a snapshot
        Assert.Equal(4, Offer(assembly, 0, out _, index: 7, term: 3));
        Assert.Equal(8, Offer(assembly, 4, out _, index: 7, term: 3));
        Assert.Equal(10, Offer(assembly, 8, out var complete, index: 7, term: 3));
        Assert.Equal(State, complete);
    }

    [Fact]
    public void A_lone_last_chunk_of_a_first_snapshot_asks_for_offset_zero()
    {
        // Reference: Raft paper Figure 13 (step 2); a chunk whose predecessors were lost is never installed
        var assembly = new SnapshotAssembly();

        Assert.Equal(0, Offer(assembly, 8, out var complete));

        Assert.Null(complete);
        Assert.Equal(0, assembly.Received);
    }
}
