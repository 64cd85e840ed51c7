namespace AkkaRaft.TestKit;

// The memo of configurations already explored: a bitset of the operations linearized, hashed incrementally, and the model state.
internal sealed partial class KeySearch
{
    private static void SetBit(ulong[] bits, int i) => bits[i >> 6] |= 1UL << (i & 63);

    private static void ClearBit(ulong[] bits, int i) => bits[i >> 6] &= ~(1UL << (i & 63));

    private static ulong SplitMix64(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// A visited (linearized set, state) pair. The set's hash is maintained incrementally (Zobrist: one
    /// random word per operation, xored in and out), so probing costs no pass over the bitset.
    /// </summary>
    private readonly record struct CacheKey(ulong[] Bits, ulong BitsHash, KvState State);

    private sealed class CacheKeyComparer : IEqualityComparer<CacheKey>
    {
        public static readonly CacheKeyComparer Instance = new();

        public bool Equals(CacheKey a, CacheKey b) =>
            a.BitsHash == b.BitsHash && a.State.Equals(b.State) && a.Bits.AsSpan().SequenceEqual(b.Bits);

        public int GetHashCode(CacheKey k) => HashCode.Combine(k.BitsHash, k.State.Hash);
    }
}
