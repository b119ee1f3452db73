using System.Numerics;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// An immutable set of token ids that may come next: a bitset over every id of the vocabulary
/// (bit id % 64 of word id / 64). Cached per automaton state and shared; never modify it.
/// </summary>
/// <remarks>
/// "Everything but the end tokens" is the common case outside JSON (reasoning, free text): then
/// <see cref="AllowsAll"/> is true and a sampler need only mask the end tokens when
/// <see cref="AllowsEnd"/> is false (or nothing at all when it is true).
/// </remarks>
public sealed class AllowedTokens
{
    private readonly ulong[] _bits;

    internal AllowedTokens(ulong[] bits, int vocabularySize, bool allowsAll, bool allowsEnd)
    {
        _bits = bits;
        VocabularySize = vocabularySize;
        AllowsAll = allowsAll;
        AllowsEnd = allowsEnd;
        Count = bits.Sum(word => BitOperations.PopCount(word));
    }

    /// <summary>Every id except the end tokens is allowed (the end tokens are allowed too when <see cref="AllowsEnd"/>).</summary>
    public bool AllowsAll { get; }

    /// <summary>The end tokens given to <see cref="ConstraintCursor.Start"/> are allowed (the constraint is satisfied here).</summary>
    public bool AllowsEnd { get; }

    /// <summary>How many ids are allowed.</summary>
    public int Count { get; }

    /// <summary>The number of ids the bitset covers.</summary>
    public int VocabularySize { get; }

    /// <summary>Bit (id % 64) of word (id / 64) is set for each allowed id; bits past the vocabulary are clear.</summary>
    public ReadOnlySpan<ulong> Bits => _bits;

    public bool Contains(int tokenId) =>
        (uint)tokenId < (uint)VocabularySize && (_bits[tokenId >> 6] & (1UL << (tokenId & 63))) != 0;

    /// <summary>The allowed ids, ascending (for tests and diagnostics; samplers read <see cref="Bits"/>).</summary>
    public IEnumerable<int> Ids()
    {
        for (int word = 0; word < _bits.Length; word++)
        {
            for (ulong bits = _bits[word]; bits != 0; bits &= bits - 1)
                yield return (word << 6) + BitOperations.TrailingZeroCount(bits);
        }
    }

    internal static ulong[] NewBits(int vocabularySize) => new ulong[(vocabularySize + 63) >> 6];

    internal static void Set(ulong[] bits, int tokenId) => bits[tokenId >> 6] |= 1UL << (tokenId & 63);
}
