using System.Numerics;
using System.Text;

namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>
/// xoshiro256** (Blackman and Vigna): a few nanoseconds per 64 random bits, which is what lets a
/// gigabyte of weights be drawn in seconds. Seeded through SplitMix64, as its authors advise, so
/// that neighbouring seeds give unrelated streams.
/// </summary>
public struct Xoshiro256
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public Xoshiro256(ulong seed)
    {
        _s0 = SplitMix64(ref seed);
        _s1 = SplitMix64(ref seed);
        _s2 = SplitMix64(ref seed);
        _s3 = SplitMix64(ref seed);
    }

    /// <summary>
    /// The stream of one tensor: it depends on the seed and the name only, so a tensor's values do
    /// not change with the tensors before it or with how the checkpoint is sharded.
    /// </summary>
    public static Xoshiro256 ForTensor(ulong seed, string name) => new(seed ^ Fnv1a(name));

    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [-1, 1) from the top 23 of 32 bits: they become the mantissa of a float in [2, 4).</summary>
    public static float Symmetric(uint bits) => BitConverter.Int32BitsToSingle(0x40000000 | (int)(bits >> 9)) - 3f;

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
            hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }
}
