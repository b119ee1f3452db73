using Kimi.Cluster.Model.Configuration;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>
/// What the engine needs of an image encoder: packed images in, one row per merged token out, in
/// the text model's embedding space. <see cref="VisionEncoder"/> computes it in process; a client of
/// a separate encoder pool can take its place.
/// </summary>
public interface IImageEncoder : IDisposable
{
    VisionConfig Config { get; }

    /// <summary>[Σ merged tokens, text hidden] float32, image i's rows from <see cref="VisionBatch.TokenStart"/>(i); the caller owns it.</summary>
    Tensor Forward(VisionBatch batch);
}
