using TorchSharp;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>Where layer weights come from: a checkpoint on disk, or generated random weights.</summary>
public interface IWeightSource
{
    /// <summary>
    /// The tensor named like the Hugging Face checkpoint (without any K2.5 "language_model." prefix)
    /// as float32 of exactly <paramref name="shape"/>; a missing tensor or another shape throws
    /// <see cref="CheckpointException"/> naming the tensor and both shapes.
    /// </summary>
    torch.Tensor Load(string name, params long[] shape);
}
