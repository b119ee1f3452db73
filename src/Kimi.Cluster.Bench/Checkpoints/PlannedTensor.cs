namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>
/// One tensor of the checkpoint before it is written: its name, dtype and shape as the header
/// lists them, how its values are drawn, and what it counts for in the summary.
/// </summary>
/// <param name="Parameters">The model parameters it holds (an INT4 matrix's out × in on its packed
/// tensor; 0 for scales and weight_shape), so that every format reports the same count.</param>
public sealed record PlannedTensor(
    string Name,
    string DType,
    long[] Shape,
    TensorRole Role,
    TensorFill Fill,
    long Parameters,
    float Center = 0,
    float Spread = 0,
    int[]? Constant = null)
{
    public long ElementCount => Shape.Aggregate(1L, (product, size) => product * size);

    public long ByteLength => ElementCount * SafetensorsDType.ElementBytes(DType);
}
