using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>
/// MoonViT self-attention: qkv = wqkv·x + b split into q | k | v (heads contiguous in each), 2D
/// RoPE on q and k, then full (non-causal) attention with scale head_dim^−½ within each image
/// only, and wo·out + b. Images are attended one at a time, never under one mask over the batch.
/// </summary>
public sealed class VisionAttention(VisionConfig config, BiasedLinear wqkv, BiasedLinear wo) : IDisposable
{
    public static VisionAttention Load(VisionConfig config, IWeightSource weights, string prefix) => new(config,
        BiasedLinear.Load(weights, prefix + ".wqkv", 3L * config.HiddenSize, config.HiddenSize),
        BiasedLinear.Load(weights, prefix + ".wo", config.HiddenSize, config.HiddenSize));

    /// <summary>x: [Σ patches, hidden] (normed); cos/sin: [Σ patches, head_dim/2] from <see cref="VisionRotaryEmbedding"/>.</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, IReadOnlyList<ImageGrid> images)
    {
        using var scope = NewDisposeScope();
        int heads = config.NumAttentionHeads, headDim = config.HeadDim;
        var qkv = wqkv.Forward(x);                                                   // [patches, 3·hidden], fresh
        // q and k are the first 2·heads head-wide slices of each row: rotate them in place.
        YarnRotaryEmbedding.RotateInPlace(qkv, 2 * heads, 0, headDim, cos, sin);
        var perHead = qkv.view(qkv.shape[0], 3, heads, headDim).permute(1, 2, 0, 3);  // [3, heads, patches, head_dim]
        var attended = new Tensor[images.Count];
        long start = 0;
        for (int i = 0; i < images.Count; i++)
        {
            var own = perHead.narrow(2, start, images[i].Patches);                    // this image's patches only
            // Default scale head_dim^−½, no mask: libtorch's CPU flash path never builds the n×n scores.
            attended[i] = scaled_dot_product_attention(own.select(0, 0), own.select(0, 1), own.select(0, 2)); // [heads, n, head_dim]
            start += images[i].Patches;
        }
        var output = (attended.Length == 1 ? attended[0] : cat(attended, 1)).permute(1, 0, 2).reshape(start, heads * headDim);
        return wo.Forward(output).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        wqkv.Dispose();
        wo.Dispose();
    }
}
