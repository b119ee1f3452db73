using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Configuration;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>
/// Reads one Linear layer's weight as the checkpoint stores it into native memory the kernels
/// read: INT4 packed nibbles + bf16 group scales (weight_packed, weight_scale), FP8 e4m3 + float32
/// block scales (weight, weight_scale_inv), bf16, f16 or f32 as they are (a bf16, f16 or f32
/// convolution kernel flattened to [out, in·kh·kw]). Every mismatch between the
/// config, the tensors and the shape the model needs is a <see cref="CheckpointException"/> naming
/// the tensor and the shapes.
/// </summary>
internal sealed class StoredMatrixReader(
    WeightQuantization quantization, Func<string, (SafetensorsFile File, TensorEntry Entry)?> find, string missingWhere)
{
    private const long SlabBytes = 1L << 30;

    /// <summary>The tensors read, for the checkpoint's accounting: (full name, stored bytes).</summary>
    public event Action<TensorEntry>? Read;

    public WeightBuffer Load(string fullModule, int rows, int columns, bool isLinear)
    {
        if (rows <= 0 || columns <= 0)
            throw new CheckpointException($"{fullModule}: the config gives it shape [{rows}, {columns}]");
        if (isLinear && quantization.Covers(fullModule))
            return LoadInt4(fullModule, rows, columns);
        var (file, entry) = Require(fullModule + ".weight", fullModule);
        string where = Path.GetFileName(file.Path);
        return entry.DType switch
        {
            "BF16" => LoadPlain(file, entry, WeightShape.BFloat16(rows, columns)),
            "F32" => LoadPlain(file, entry, WeightShape.Float32(rows, columns)),
            "F16" => LoadPlain(file, entry, WeightShape.Float16(rows, columns)),
            "F8_E4M3" => LoadFp8(file, entry, fullModule, rows, columns),
            "I32" when quantization.Scheme == QuantizationScheme.None => throw new CheckpointException(
                $"tensor '{entry.Name}' in {where} is I32 (packed INT4?) but config.json has no quantization_config describing it"),
            var other => throw new CheckpointException(
                $"tensor '{entry.Name}' in {where} is {other}; a Linear weight must be BF16, F16, F32, F8_E4M3 (block FP8) or INT4 weight_packed"),
        };
    }

    private WeightBuffer LoadInt4(string module, int rows, int columns)
    {
        var (packedFile, packed) = Require(module + ".weight_packed", module,
            "config.json's quantization_config quantizes it (it is not in the ignore list)");
        var (scaleFile, scale) = Require(module + ".weight_scale", module);
        var shape = CheckedShape(() => WeightShape.Int4Group(rows, columns, quantization.GroupSize), packed.Name);
        RequireEntry(packedFile, packed, "I32", [rows, columns / 8]);
        RequireEntry(scaleFile, scale, "BF16", [shape.ScaleRows, shape.ScaleColumns]);
        return Fill(shape, buffer =>
        {
            Copy(packedFile, packed, buffer.Matrix.Data);
            Copy(scaleFile, scale, buffer.Matrix.Scales);
        });
    }

    private WeightBuffer LoadFp8(SafetensorsFile file, TensorEntry weight, string module, int rows, int columns)
    {
        if (quantization.Scheme != QuantizationScheme.Fp8Block)
            throw new CheckpointException($"tensor '{weight.Name}' is F8_E4M3 but config.json has no fp8 quantization_config (weight_block_size)");
        var (scaleFile, scale) = Require(module + ".weight_scale_inv", module);
        var shape = CheckedShape(() => WeightShape.Fp8Block(rows, columns, quantization.BlockRows, quantization.BlockColumns), weight.Name);
        RequireEntry(file, weight, "F8_E4M3", [rows, columns]);
        RequireEntry(scaleFile, scale, "F32", [shape.ScaleRows, shape.ScaleColumns]);
        return Fill(shape, buffer =>
        {
            Copy(file, weight, buffer.Matrix.Data);
            Copy(scaleFile, scale, buffer.Matrix.Scales);
            buffer.FindFp8Nans();
        });
    }

    private WeightBuffer LoadPlain(SafetensorsFile file, TensorEntry entry, WeightShape shape)
    {
        RequireEntry(file, entry, entry.DType, IsFlattenedKernel(entry, shape) ? entry.Shape : [shape.Rows, shape.Columns]);
        return Fill(shape, buffer => Copy(file, entry, buffer.Matrix.Data));
    }

    /// <summary>
    /// A convolution kernel [out, c, kh, kw] is the matrix [out, c·kh·kw] in the same row-major bytes
    /// (K2.5's patch embedding: a 14×14 stride-14 convolution is a Linear over each patch).
    /// </summary>
    private static bool IsFlattenedKernel(TensorEntry entry, WeightShape shape) =>
        entry.Shape.Length > 2 && entry.Shape[0] == shape.Rows && entry.Shape.Skip(1).Aggregate(1L, (a, d) => a * d) == shape.Columns;

    private static WeightBuffer Fill(WeightShape shape, Action<WeightBuffer> fill)
    {
        var buffer = new WeightBuffer(shape);
        try
        {
            fill(buffer);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    private (SafetensorsFile File, TensorEntry Entry) Require(string tensor, string module, string? why = null) =>
        find(tensor) ?? throw new CheckpointException(
            $"tensor '{tensor}' is missing from the checkpoint: {missingWhere} (needed for {module}{(why is null ? "" : "; " + why)})");

    private static WeightShape CheckedShape(Func<WeightShape> make, string tensor)
    {
        try
        {
            return make();
        }
        catch (ArgumentException error)
        {
            throw new CheckpointException($"tensor '{tensor}': {error.Message}");
        }
    }

    private static void RequireEntry(SafetensorsFile file, TensorEntry entry, string dtype, long[] shape)
    {
        string where = Path.GetFileName(file.Path);
        if (entry.DType != dtype)
            throw new CheckpointException($"tensor '{entry.Name}' is {entry.DType} in {where}; expected {dtype}");
        if (!entry.Shape.SequenceEqual(shape))
            throw new CheckpointException(
                $"tensor '{entry.Name}' has shape {TensorEntry.FormatShape(entry.Shape)} in {where} but the config needs {TensorEntry.FormatShape(shape)}");
        entry.RequireWholeElements();
    }

    /// <summary>Copies the stored bytes straight into the kernel's memory, a slab at a time (spans are int-sized).</summary>
    private unsafe void Copy(SafetensorsFile file, TensorEntry entry, nint destination)
    {
        for (long offset = 0; offset < entry.ByteLength; offset += SlabBytes)
        {
            int length = (int)Math.Min(SlabBytes, entry.ByteLength - offset);
            file.CopyBytes(entry, offset, new Span<byte>((byte*)destination + offset, length));
        }
        Read?.Invoke(entry);
    }
}
