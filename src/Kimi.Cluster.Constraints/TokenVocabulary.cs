namespace Kimi.Cluster.Constraints;

/// <summary>
/// The model's tokens as byte strings (token id → UTF-8 bytes; null for special and unused ids),
/// with the byte trie that mask computation walks, built once and shared by every constraint.
/// </summary>
public sealed class TokenVocabulary
{
    private readonly byte[]?[] _bytes;

    public TokenVocabulary(IReadOnlyList<byte[]?> tokenBytes)
    {
        ArgumentNullException.ThrowIfNull(tokenBytes);
        _bytes = [.. tokenBytes];
        Trie = TokenTrie.Build(_bytes);
        TextIds = [.. Enumerable.Range(0, _bytes.Length).Where(id => _bytes[id] is not null)];
    }

    /// <summary>How many ids there are (the length of every mask).</summary>
    public int Count => _bytes.Length;

    /// <summary>The byte string of <paramref name="tokenId"/>; null for a special or unused id.</summary>
    public byte[]? TokenBytes(int tokenId) =>
        (uint)tokenId < (uint)_bytes.Length ? _bytes[tokenId] : throw new ArgumentOutOfRangeException(nameof(tokenId), tokenId, $"not an id of this {Count}-id vocabulary");

    /// <summary>True for ids without a byte string: they are single symbols, never part of text.</summary>
    public bool IsSpecial(int tokenId) => TokenBytes(tokenId) is null;

    internal TokenTrie Trie { get; }

    /// <summary>The ids with a byte string, ascending.</summary>
    internal int[] TextIds { get; }
}
