namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>One tensor's header entry in a safetensors file: dtype, shape and where its bytes lie.</summary>
public sealed record TensorEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>
    /// Throws unless the stored bytes hold exactly the elements of the shape at the dtype's size
    /// (dtypes of unknown size pass: whoever loads them refuses them by name).
    /// </summary>
    public void RequireWholeElements()
    {
        long? size = DType switch { "F8_E4M3" or "U8" or "I8" => 1, "BF16" or "F16" => 2, "F32" or "I32" => 4, _ => null };
        if (size is long bytes && ElementCount * bytes != ByteLength)
            throw new CheckpointException($"tensor '{Name}' stores {ByteLength} bytes but {DType} {FormatShape(Shape)} needs {ElementCount * bytes}");
    }

    public static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
