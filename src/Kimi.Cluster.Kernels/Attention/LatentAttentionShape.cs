namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// The sizes of one MLA attention call in the absorbed form. Layouts (row-major, float32):
/// query latents [Heads, Tokens, LatentWidth] (the no-position query folded through kv_b_proj's key
/// half), query rope parts [Tokens, Heads, RopeWidth], cached rows [pool rows, LatentWidth + RopeWidth]
/// (each a normalised latent followed by its rotated rope key), output latents as the query latents.
/// The rope queries may instead sit inside wider rows (the whole query, say): see
/// <see cref="RopeTokenStride"/> and <see cref="RopeHeadStride"/>; the latents may be token-major
/// (<see cref="LatentTokenStride"/>, <see cref="LatentHeadStride"/>).
/// </summary>
/// <param name="Heads">Attention heads.</param>
/// <param name="Tokens">Query tokens in the call (one query per token).</param>
/// <param name="LatentWidth">kv_lora_rank.</param>
/// <param name="RopeWidth">qk_rope_head_dim.</param>
/// <param name="Scale">The softmax scale the scores are multiplied by.</param>
public sealed record LatentAttentionShape(int Heads, int Tokens, int LatentWidth, int RopeWidth, float Scale)
{
    /// <summary>Floats per cached row.</summary>
    public int RowWidth => LatentWidth + RopeWidth;

    /// <summary>Floats from one token's rope queries to the next's; Heads·RopeWidth unless set.</summary>
    public long RopeTokenStride { get; init; } = (long)Heads * RopeWidth;

    /// <summary>Floats from one head's rope query to the next's; RopeWidth unless set.</summary>
    public long RopeHeadStride { get; init; } = RopeWidth;

    // Unset, the latent strides follow the sizes, also in a copy made with other sizes (`with`).
    private readonly long? _latentTokenStride, _latentHeadStride;

    /// <summary>Floats from one token's query (and output) latent to the next's; LatentWidth unless set.</summary>
    public long LatentTokenStride { get => _latentTokenStride ?? LatentWidth; init => _latentTokenStride = value; }

    /// <summary>
    /// Floats from one head's query (and output) latent to the next's; Tokens·LatentWidth unless set.
    /// The model keeps them token-major ([Tokens, Heads, LatentWidth]), a token's heads together:
    /// head-major, they lie Tokens·LatentWidth floats apart (a megabyte at 2048 tokens of the bench
    /// model, whose 2048-token prefill attention ran in 5.7 ms token-major against 6.3 head-major).
    /// </summary>
    public long LatentHeadStride { get => _latentHeadStride ?? (long)Tokens * LatentWidth; init => _latentHeadStride = value; }

    /// <summary>Floats the query latents, and the output latents, span at their strides.</summary>
    public long LatentExtent => (Tokens - 1) * LatentTokenStride + (Heads - 1) * LatentHeadStride + LatentWidth;

    internal void Validate(int queryLatents, int queryRopes, int rows, int outputs)
    {
        if (Heads <= 0 || Tokens <= 0 || LatentWidth <= 0 || RopeWidth < 0)
            throw new ArgumentException($"Latent attention: {this} has a size that is not positive.");
        long latents = LatentExtent;
        if (LatentTokenStride < 0 || LatentHeadStride < 0 || queryLatents < latents || outputs < latents)
        {
            throw new ArgumentException(
                $"Latent attention: query and output latents must hold {Heads}×{Tokens}×{LatentWidth} floats at their strides ({latents}), not {queryLatents} and {outputs}.");
        }
        long ropeEnd = (Tokens - 1) * RopeTokenStride + (Heads - 1) * RopeHeadStride + RopeWidth;
        if (RopeTokenStride < 0 || RopeHeadStride < 0 || queryRopes < ropeEnd)
            throw new ArgumentException($"Latent attention: query rope parts must hold {Tokens}×{Heads}×{RopeWidth} floats at their strides ({ropeEnd}), not {queryRopes}.");
        if (rows % RowWidth != 0)
            throw new ArgumentException($"Latent attention: the cache ({rows} floats) is not whole rows of {RowWidth}.");
    }
}
