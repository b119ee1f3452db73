namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>
/// Random weight matrices for benchmarks, enough copies to exceed the last-level cache so a matvec
/// measures memory bandwidth, not cache bandwidth; callers rotate through <see cref="Next"/>.
/// </summary>
public sealed class BenchmarkMatrices : IDisposable
{
    private readonly WeightBuffer[] _buffers;
    private int _next;

    public BenchmarkMatrices(WeightShape shape, long minimumTotalBytes, int seed)
    {
        Shape = shape;
        int copies = (int)Math.Max(1, (minimumTotalBytes + shape.StoredBytes - 1) / shape.StoredBytes);
        _buffers = new WeightBuffer[copies];
        var random = new Random(seed);
        for (int i = 0; i < copies; i++)
        {
            _buffers[i] = Create(shape, random);
        }
    }

    public WeightShape Shape { get; }

    public WeightMatrix Next() => _buffers[_next++ % _buffers.Length].Matrix;

    public WeightMatrix this[int index] => _buffers[index].Matrix;

    public int Count => _buffers.Length;

    /// <summary>The formats benchmarks name: bf16, int4 (group 32), fp8 (128×128 blocks), float32, f16.</summary>
    public static WeightShape ShapeOf(string format, int rows, int columns) => format switch
    {
        "bf16" => WeightShape.BFloat16(rows, columns),
        "int4" => WeightShape.Int4Group(rows, columns, 32),
        "fp8" => WeightShape.Fp8Block(rows, columns),
        "float32" => WeightShape.Float32(rows, columns),
        "f16" => WeightShape.Float16(rows, columns),
        _ => throw new ArgumentException($"Unknown format {format}.", nameof(format)),
    };

    /// <summary>Random stored bytes with sane scales (values near 1) and no NaN patterns.</summary>
    public static WeightBuffer Create(WeightShape shape, Random random)
    {
        var buffer = new WeightBuffer(shape);
        var slab = new byte[Math.Min(1 << 20, shape.DataBytes)];
        for (long offset = 0; offset < shape.DataBytes; offset += slab.Length)
        {
            random.NextBytes(slab);
            if (shape.Format is WeightFormat.BFloat16 or WeightFormat.Float16 or WeightFormat.Float32 or WeightFormat.Fp8Block)
            {
                Sanitize(shape.Format, slab);
            }
            buffer.WriteData(offset, slab.AsSpan(0, (int)Math.Min(slab.Length, shape.DataBytes - offset)));
        }
        var scales = new byte[shape.ScaleBytes];
        for (int i = 0; i < scales.Length; i += shape.Format == WeightFormat.Int4Group ? 2 : 4)
        {
            float scale = 0.01f;
            if (shape.Format == WeightFormat.Int4Group)
            {
                BitConverter.TryWriteBytes(scales.AsSpan(i), (ushort)(BitConverter.SingleToInt32Bits(scale) >> 16));
            }
            else
            {
                BitConverter.TryWriteBytes(scales.AsSpan(i), scale);
            }
        }
        buffer.WriteScales(0, scales);
        // As the loader does: a matrix known to hold no FP8 NaN is decoded without the check.
        buffer.FindFp8Nans();
        return buffer;
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers)
        {
            buffer.Dispose();
        }
    }

    // Random bits include NaN and huge exponents; keep sign and mantissa, pin the exponent near 1.
    private static void Sanitize(WeightFormat format, byte[] bytes)
    {
        switch (format)
        {
            case WeightFormat.Fp8Block:
                for (int i = 0; i < bytes.Length; i++)
                {
                    bytes[i] &= 0xBF; // exponent ≤ 7: no NaN, magnitude < 2
                }
                break;
            case WeightFormat.BFloat16:
                for (int i = 1; i < bytes.Length; i += 2)
                {
                    bytes[i] = (byte)((bytes[i] & 0x80) | 0x3F); // high byte: sign, exponent ≈ 127
                }
                break;
            case WeightFormat.Float16:
                for (int i = 1; i < bytes.Length; i += 2)
                {
                    bytes[i] = (byte)((bytes[i] & 0x83) | 0x38); // high byte: sign, exponent 14 (magnitudes 0.5-1)
                }
                break;
            default:
                for (int i = 3; i < bytes.Length; i += 4)
                {
                    bytes[i] = (byte)((bytes[i] & 0x80) | 0x3F);
                }
                break;
        }
    }
}
