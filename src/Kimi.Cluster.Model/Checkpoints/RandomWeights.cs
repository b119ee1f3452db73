using System.Text;
using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.TensorSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>
/// Deterministic random weights for the built-in model: each tensor's values depend only on
/// the seed and the tensor's name, so load order does not matter. Scaled to keep activations O(1).
/// </summary>
public sealed class RandomWeights(ulong seed) : IWeightSource
{
    public ResidentWeights Resident { get; } = new();

    public int LoadThreads => ParallelLoad.DefaultThreads;

    /// <summary>The same random values as <see cref="Load"/> gives "{module}.weight", held as float32.</summary>
    public unsafe WeightBuffer LoadMatrix(string module, int rows, int columns, bool isLinear = true)
    {
        using var values = Draw(module + ".weight", [rows, columns]);
        var buffer = new WeightBuffer(WeightShape.Float32(rows, columns));
        values.bytes.CopyTo(new Span<byte>((void*)buffer.Matrix.Data, rows * columns * sizeof(float)));
        Resident.Add(buffer.Matrix);
        return buffer;
    }

    public Tensor Load(string name, params long[] shape)
    {
        var values = Draw(name, shape);
        Resident.Add("F32", values.numel() * sizeof(float));
        return values;
    }

    private Tensor Draw(string name, long[] shape)
    {
        using var generator = new Generator(Mix(seed ^ Fnv1a(name)));
        using var normal = randn(shape, ScalarType.Float32, generator: generator);
        // Scalars in usings, not made on the fly: see KeptScalars.
        using var tenth = 0.1f.ToScalar();
        if (name.EndsWith("norm.weight", StringComparison.Ordinal))
            return normal.mul(tenth).add(KeptScalars.One, KeptScalars.One);
        if (name.EndsWith("e_score_correction_bias", StringComparison.Ordinal))
            return normal.mul(tenth);
        if (name.EndsWith("embed_tokens.weight", StringComparison.Ordinal))
            return normal.clone();
        using var fanIn = MathF.Sqrt(shape[^1]).ToScalar();
        return normal.div(fanIn); // a linear layer's [out, in]
    }

    private static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
            hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (z ^ (z >> 31)) & 0x7FFFFFFFFFFFFFFFUL;
    }
}
