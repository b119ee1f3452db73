namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// SplitMix64 generator. Used instead of System.Random because its algorithm is a fixed,
/// published contract: the same seed gives the same checkpoint on every .NET version.
/// </summary>
public sealed class SplitMix64
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>
    /// A generator for one tensor, seeded from the checkpoint seed and the tensor's name, so
    /// dropping or reshaping one tensor (negative tests) leaves every other tensor unchanged.
    /// </summary>
    public static SplitMix64 ForTensor(ulong seed, string name)
    {
        ulong hash = 0xCBF29CE484222325UL; // FNV-1a over UTF-16 code units: stable and simple.
        foreach (char c in name)
        {
            hash ^= c;
            hash *= 0x100000001B3UL;
        }
        return new SplitMix64(Mix(seed ^ Mix(hash)));
    }

    public static ulong Mix(ulong z)
    {
        z += Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong z = _state += Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal by Box–Muller (one value per call; simplicity over speed).</summary>
    public double NextNormal()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]: keeps Log finite.
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
