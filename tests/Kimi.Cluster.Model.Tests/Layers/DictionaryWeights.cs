using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Layers;

/// <summary>Hand-written weights for layer tests: name → values, checked against the asked shape.</summary>
internal sealed class DictionaryWeights(Dictionary<string, float[]> values) : IWeightSource
{
    public ResidentWeights Resident { get; } = new();

    public int LoadThreads => 1;

    public Tensor Load(string name, params long[] shape)
    {
        if (!values.TryGetValue(name, out var data))
            throw new CheckpointException($"tensor '{name}' is missing");
        return tensor(data, shape);
    }

    public WeightBuffer LoadMatrix(string module, int rows, int columns, bool isLinear = true)
    {
        if (!values.TryGetValue(module + ".weight", out var data))
            throw new CheckpointException($"tensor '{module}.weight' is missing");
        return WeightBuffer.Create(WeightShape.Float32(rows, columns), System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
    }
}
