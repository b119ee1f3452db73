namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// SplitMix64 in its stateless form: draw n is a hash of the seed and n alone, the same on every
/// platform and .NET version. A sequence's draws are numbered by token position (the tokens
/// before the sampled one, prompt included), so the draw for a position depends only on the seed
/// and that position: a generation resumed elsewhere from its prompt plus the tokens generated so
/// far draws exactly what the original would have drawn next.
/// </summary>
/// <param name="seed">The request's seed.</param>
/// <param name="firstPosition">The position of the first token this generator draws for (the prompt's length).</param>
public sealed class SeededRandom(ulong seed, long firstPosition = 0)
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private long _position = firstPosition;

    /// <summary>Uniform in [0, 1) with 53 random bits, for the next position.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public ulong NextUInt64() => At(seed, _position++);

    /// <summary>Draw <paramref name="position"/> of the stream of <paramref name="seed"/>.</summary>
    public static ulong At(ulong seed, long position)
    {
        ulong z = seed + unchecked((ulong)(position + 1)) * Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
