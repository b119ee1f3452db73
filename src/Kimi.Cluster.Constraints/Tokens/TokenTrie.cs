namespace Kimi.Cluster.Constraints;

/// <summary>
/// The byte trie of a vocabulary laid out in preorder: node i's subtree is the range
/// [i, SubtreeEnd[i]), so a walk that rejects a byte skips the whole subtree in one jump. Node 0 is
/// the root (no byte). Tokens with the same bytes are chained through <see cref="NextSameBytes"/>.
/// </summary>
internal sealed class TokenTrie
{
    public required byte[] Labels { get; init; }
    public required int[] Depths { get; init; }
    public required int[] SubtreeEnds { get; init; }

    /// <summary>The first token id ending at each node, or -1.</summary>
    public required int[] Tokens { get; init; }

    /// <summary>For each token id, the next id with the same bytes, or -1.</summary>
    public required int[] NextSameBytes { get; init; }

    /// <summary>The longest token, in bytes.</summary>
    public required int MaxDepth { get; init; }
    public int NodeCount => Labels.Length;

    public static TokenTrie Build(byte[]?[] tokenBytes)
    {
        // Empty byte strings are left out: they would let a sequence loop without moving.
        int[] order = [.. Enumerable.Range(0, tokenBytes.Length).Where(id => tokenBytes[id] is { Length: > 0 })];
        Array.Sort(order, (x, y) => tokenBytes[x].AsSpan().SequenceCompareTo(tokenBytes[y]));
        var builder = new TokenTrieBuilder(tokenBytes.Length);
        byte[] previous = [];
        foreach (int id in order)
        {
            byte[] bytes = tokenBytes[id]!; // the order holds only ids with bytes
            builder.Add(id, bytes, bytes.AsSpan().CommonPrefixLength(previous));
            previous = bytes;
        }
        var (labels, depths, ends, tokens, nextSame) = builder.Finish();
        return new TokenTrie
        {
            Labels = labels, Depths = depths, SubtreeEnds = ends, Tokens = tokens, NextSameBytes = nextSame,
            MaxDepth = depths.Max(),
        };
    }
}
