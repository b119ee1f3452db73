using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>
/// K2.5's "patchmerger" projector (mm_projector.*) into the text model's embedding space:
/// pre_norm on each of a token's four patch vectors, the four side by side, then
/// proj.2(gelu(proj.0(·))) with torch's exact erf GELU.
/// </summary>
public sealed class PatchMergerProjector(LayerNorm preNorm, BiasedLinear proj0, BiasedLinear proj2) : IDisposable
{
    public static PatchMergerProjector Load(VisionConfig config, IWeightSource weights, string prefix) => new(
        LayerNorm.Load(weights, prefix + ".pre_norm", config.MmHiddenSize, config.ProjectorLnEps),
        BiasedLinear.Load(weights, prefix + ".proj.0", config.MergedWidth, config.MergedWidth),
        BiasedLinear.Load(weights, prefix + ".proj.2", config.TextHiddenSize, config.MergedWidth));

    /// <summary>merged: [tokens, 4·hidden] from <see cref="PatchMerger.Merge"/> → [tokens, text hidden].</summary>
    public Tensor Forward(Tensor merged)
    {
        using var scope = NewDisposeScope();
        const int patchesPerToken = VisionConfig.MergeSide * VisionConfig.MergeSide;
        long tokens = merged.shape[0], width = merged.shape[1];
        var normed = preNorm.Forward(merged.reshape(tokens * patchesPerToken, width / patchesPerToken)).view(tokens, width);
        return proj2.Forward(proj0.Forward(normed).gelu()).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        preNorm.Dispose();
        proj0.Dispose();
        proj2.Dispose();
    }
}
