using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>
/// x = proj(patch) + pos(patch): the stride-patch_size convolution (weight [hidden, 3, p, p]) is a
/// Linear over each patch's 3·p² values in (channel, y, x) order, held as stored; each image
/// then adds its position grid resampled to its size.
/// </summary>
public sealed class PatchEmbedding(BiasedLinear proj, PositionGrid positions) : IDisposable
{
    public static PatchEmbedding Load(VisionConfig config, IWeightSource weights, string prefix) => new(
        BiasedLinear.Load(weights, prefix + ".proj", config.HiddenSize, config.PatchInputs),
        PositionGrid.Load(weights, prefix + ".pos_emb.weight", config.InitPosEmbHeight, config.InitPosEmbWidth, config.HiddenSize));

    /// <summary>[Σ patches, 3·p²] pixel rows → [Σ patches, hidden].</summary>
    public Tensor Forward(VisionBatch batch)
    {
        using var scope = NewDisposeScope();
        var embedded = proj.Forward(batch.PixelValues);                                  // [patches, hidden]
        var grids = batch.Images.Select(positions.Forward).ToArray();
        var position = grids.Length == 1 ? grids[0] : cat(grids, 0);                      // [patches, hidden]
        return embedded.add_(position, KeptScalars.One).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        proj.Dispose();
        positions.Dispose();
    }
}
