using Kimi.Cluster.Kernels;
using TorchSharp;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>
/// A checkpoint's tensors under the names they are stored by and never quantized: what
/// <see cref="SafetensorsCheckpoint.Unprefixed"/> hands the vision tower. Owns nothing; the
/// checkpoint holds the files and counts what is read.
/// </summary>
internal sealed class UnprefixedWeights(SafetensorsCheckpoint checkpoint) : IWeightSource
{
    public ResidentWeights Resident => checkpoint.Resident;

    public int LoadThreads => checkpoint.LoadThreads;

    public IWeightSource Unprefixed => this;

    public torch.Tensor Load(string name, params long[] shape) => checkpoint.LoadStored(name, shape);

    public WeightBuffer LoadMatrix(string module, int rows, int columns, bool isLinear = true) =>
        checkpoint.LoadDenseMatrix(module, rows, columns);
}
