namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// The sizes of one MLA decode-attention call in the absorbed form. Layouts (row-major, float32):
/// query latents [Heads, Tokens, LatentWidth] (the no-position query folded through kv_b_proj's key
/// half), query rope parts [Tokens, Heads, RopeWidth], cached rows [pool rows, LatentWidth + RopeWidth]
/// (each a normalised latent followed by its rotated rope key), output latents as the query latents.
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

    internal void Validate(int queryLatents, int queryRopes, int rows, int outputs)
    {
        if (Heads <= 0 || Tokens <= 0 || LatentWidth <= 0 || RopeWidth < 0)
            throw new ArgumentException($"Latent attention: {this} has a size that is not positive.");
        long latents = (long)Heads * Tokens * LatentWidth;
        if (queryLatents != latents || outputs != latents)
        {
            throw new ArgumentException(
                $"Latent attention: query and output latents must hold {Heads}×{Tokens}×{LatentWidth} = {latents} floats, not {queryLatents} and {outputs}.");
        }
        if (queryRopes != (long)Tokens * Heads * RopeWidth)
            throw new ArgumentException($"Latent attention: query rope parts must hold {Tokens}×{Heads}×{RopeWidth} floats, not {queryRopes}.");
        if (rows % RowWidth != 0)
            throw new ArgumentException($"Latent attention: the cache ({rows} floats) is not whole rows of {RowWidth}.");
    }
}
