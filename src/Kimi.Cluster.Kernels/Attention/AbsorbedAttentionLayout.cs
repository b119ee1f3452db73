namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// The three per-head steps of MLA attention in the absorbed form, as one call takes them:
/// <see cref="Keys"/> folds each query's no-position part through kv_b_proj's key half into the
/// query latents, <see cref="Attention"/> attends those over each token's cached rows into the
/// output latents, and <see cref="Values"/> expands the output latents through the value half.
/// The three must agree on heads and tokens, and the products on where the attention's latents lie.
/// </summary>
public sealed record AbsorbedAttentionLayout(HeadProductLayout Keys, LatentAttentionShape Attention, HeadProductLayout Values)
{
    internal void Validate()
    {
        if (Keys.Heads != Attention.Heads || Values.Heads != Attention.Heads || Keys.Tokens != Attention.Tokens || Values.Tokens != Attention.Tokens)
        {
            throw new ArgumentException(
                $"Absorbed attention: the key products ({Keys.Heads} heads, {Keys.Tokens} tokens), the attention ({Attention.Heads}, {Attention.Tokens}) " +
                $"and the value products ({Values.Heads}, {Values.Tokens}) must cover the same heads and tokens.");
        }
        if (Keys.YTokenStride != Attention.LatentTokenStride || Keys.YHeadStride != Attention.LatentHeadStride
            || Values.XTokenStride != Attention.LatentTokenStride || Values.XHeadStride != Attention.LatentHeadStride)
        {
            throw new ArgumentException(
                $"Absorbed attention: the key products write latents at strides ({Keys.YTokenStride}, {Keys.YHeadStride}) a token and a head, the attention " +
                $"reads and writes them at ({Attention.LatentTokenStride}, {Attention.LatentHeadStride}) and the value products read them at " +
                $"({Values.XTokenStride}, {Values.XHeadStride}): they must agree.");
        }
    }
}
