using Kimi.Cluster.Kernels;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// The token embedding table, held as stored (bf16 for every Kimi checkpoint): a lookup decodes
/// just the rows of the step's tokens to float32.
/// </summary>
public sealed class Embedding(WeightBuffer table, bool ownsTable = true) : IDisposable
{
    public WeightMatrix Table => table.Matrix;

    /// <summary>[tokens, hidden] float32 rows of <paramref name="tokenIds"/>.</summary>
    public Tensor Forward(IReadOnlyList<int> tokenIds)
    {
        ArgumentNullException.ThrowIfNull(tokenIds);
        var matrix = table.Matrix;
        var rows = empty(tokenIds.Count, matrix.Columns);
        var destination = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(rows.bytes);
        for (int t = 0; t < tokenIds.Count; t++)
            matrix.DecodeRow(tokenIds[t], destination.Slice(t * matrix.Columns, matrix.Columns));
        return rows;
    }

    public void Dispose()
    {
        if (ownsTable)
            table.Dispose();
    }
}
