using Kimi.Cluster.Model.Checkpoints;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>
/// The learned absolute position embedding (pos_emb.weight [H, W, hidden], float32): for an
/// image of h × w patches the grid resampled to (h, w) with torch's bicubic (A = −0.75,
/// align_corners false, no antialias, even when shrinking), or the grid itself when (h, w) = (H, W).
/// Images only: the time term of a video chunk (init_pos_emb_time) is not applied.
/// </summary>
public sealed class PositionGrid : IDisposable
{
    private readonly Tensor _channels; // [1, hidden, H, W]: the layout interpolate resamples, held once

    /// <summary>Takes <paramref name="weight"/> [H, W, hidden] over (it is disposed once relaid out).</summary>
    public PositionGrid(Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        using (weight)
            _channels = weight.permute(2, 0, 1).unsqueeze(0).contiguous();
    }

    public static PositionGrid Load(IWeightSource weights, string name, long height, long width, long hidden) =>
        new(weights.Load(name, height, width, hidden));

    /// <summary>[rows·columns, hidden]: the embedding of each patch, row-major over the image's grid.</summary>
    public Tensor Forward(ImageGrid image)
    {
        using var scope = NewDisposeScope();
        long hidden = _channels.shape[1], height = _channels.shape[2], width = _channels.shape[3];
        var grid = image.Rows == height && image.Columns == width
            ? _channels
            : interpolate(_channels, [image.Rows, image.Columns], mode: InterpolationMode.Bicubic, align_corners: false); // [1, hidden, h, w]
        return grid.squeeze(0).permute(1, 2, 0).reshape(image.Patches, hidden).MoveToOuterDisposeScope();
    }

    public void Dispose() => _channels.Dispose();
}
