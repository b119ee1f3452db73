namespace Kimi.Cluster.Model.Caching;

/// <summary>
/// One sequence's slice of a flattened batch: rows [TokenStart, TokenStart + TokenCount) of the
/// step's tokens belong to it, at positions StartPosition onwards; the model appends their KV to Cache before attending over it.
/// </summary>
public sealed record AttentionSegment(int TokenStart, int TokenCount, ISequenceCache Cache, long StartPosition)
{
    /// <summary>Rows of this segment whose input embeddings come from an image encoder instead of the token table.</summary>
    public IReadOnlyList<EmbeddedRows> EmbeddedRows { get; init; } = [];
}
