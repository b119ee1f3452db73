namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>One tensor's header entry in a safetensors file: dtype, shape and where its bytes lie.</summary>
public sealed record TensorEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
