using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// The token embedding table, held as stored (bf16 for every Kimi checkpoint): a lookup decodes
/// just the rows of the step's tokens to float32.
/// </summary>
public sealed class Embedding(WeightBuffer table, bool ownsTable = true) : IDisposable
{
    /// <summary>[tokens, hidden] float32 rows of <paramref name="tokenIds"/>.</summary>
    public Tensor Forward(IReadOnlyList<int> tokenIds)
    {
        ArgumentNullException.ThrowIfNull(tokenIds);
        return TensorMemory.DecodeRows(table.Matrix, tokenIds);
    }

    public void Dispose()
    {
        if (ownsTable)
            table.Dispose();
    }
}
