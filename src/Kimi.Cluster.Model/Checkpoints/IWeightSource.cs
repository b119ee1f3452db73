using Kimi.Cluster.Kernels;
using TorchSharp;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>Where layer weights come from: a checkpoint on disk, or generated random weights.</summary>
public interface IWeightSource
{
    /// <summary>
    /// The tensor named like the Hugging Face checkpoint (without any K2.5 "language_model." prefix)
    /// as float32 of exactly <paramref name="shape"/>; a missing tensor or another shape throws
    /// <see cref="CheckpointException"/> naming the tensor and both shapes. For small tensors:
    /// norms, biases, the router; large matrices come from <see cref="LoadMatrix"/>.
    /// </summary>
    torch.Tensor Load(string name, params long[] shape);

    /// <summary>
    /// The weight of <paramref name="module"/> (e.g. "model.layers.3.mlp.experts.7.up_proj", without
    /// ".weight"), [rows = out, columns = in], held as the checkpoint stores it (INT4, FP8, BF16, F16, F32)
    /// for the kernels. A quantization config covers Linear layers only; the embedding table passes
    /// <paramref name="isLinear"/> false. The caller owns (disposes) the buffer.
    /// </summary>
    WeightBuffer LoadMatrix(string module, int rows, int columns, bool isLinear = true);

    /// <summary>What has been loaded from this source and is held, by form.</summary>
    ResidentWeights Resident { get; }

    /// <summary>
    /// Tensors outside the text model (K2.5's vision_tower.* and mm_projector.*): named exactly as
    /// stored, without the text prefix, and read as stored (dense bf16), never as quantization_config
    /// describes the text model's Linear layers. Same files and accounting as this source. A source
    /// with no prefix and no quantization (generated or hand-written weights) is its own.
    /// </summary>
    IWeightSource Unprefixed => this;

    /// <summary>How many layers may load at once (<see cref="ParallelLoad"/>); the source is thread-safe.</summary>
    int LoadThreads { get; }
}
