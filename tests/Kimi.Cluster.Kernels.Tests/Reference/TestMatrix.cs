namespace Kimi.Cluster.Kernels.Tests.Reference;

/// <summary>A random weight matrix: its stored bytes (for the reference) and a native copy (for the kernels).</summary>
public sealed class TestMatrix : IDisposable
{
    private uint[]? _words;
    private ushort[]? _scales;

    private TestMatrix(WeightShape shape, byte[] data, byte[] scales)
    {
        Shape = shape;
        Data = data;
        Scales = scales;
        Buffer = WeightBuffer.Create(shape, data, scales);
    }

    public WeightShape Shape { get; }

    public byte[] Data { get; }

    public byte[] Scales { get; }

    public WeightBuffer Buffer { get; }

    public WeightMatrix Matrix => Buffer.Matrix;

    /// <summary>Random weights: no NaN or infinity, magnitudes around 1 after scaling.</summary>
    public static TestMatrix Random(WeightShape shape, Random random)
    {
        var data = new byte[shape.DataBytes];
        var scales = new byte[shape.ScaleBytes];
        switch (shape.Format)
        {
            case WeightFormat.Float32:
                FillFloats(data, random, 1f);
                break;
            case WeightFormat.BFloat16:
                for (int i = 0; i < data.Length; i += 2)
                {
                    BitConverter.TryWriteBytes(data.AsSpan(i), (ushort)(BitConverter.SingleToInt32Bits(RandomFloat(random, 1f)) >> 16));
                }
                break;
            case WeightFormat.Float16:
                for (int i = 0; i < data.Length; i += 2)
                {
                    // Every 17th value subnormal (below 2^-14), so the decodes meet those too.
                    float value = RandomFloat(random, 1f) * (i % 34 == 0 ? 1e-5f : 1f);
                    BitConverter.TryWriteBytes(data.AsSpan(i), BitConverter.HalfToUInt16Bits((Half)value));
                }
                break;
            case WeightFormat.Int4Group:
                random.NextBytes(data);
                for (int i = 0; i < scales.Length; i += 2)
                {
                    float scale = (float)(0.01 + 0.2 * random.NextDouble());
                    BitConverter.TryWriteBytes(scales.AsSpan(i), (ushort)(BitConverter.SingleToInt32Bits(scale) >> 16));
                }
                break;
            default:
                random.NextBytes(data);
                for (int i = 0; i < data.Length; i++)
                {
                    // 0x7F and 0xFF are NaN; the matmul tests want finite sums.
                    if ((data[i] & 0x7F) == 0x7F)
                    {
                        data[i] ^= 0x01;
                    }
                }
                FillFloats(scales, random, 0.01f);
                break;
        }
        return new TestMatrix(shape, data, scales);
    }

    public uint[] Words() => _words ??= Enumerable.Range(0, Data.Length / 4).Select(i => BitConverter.ToUInt32(Data, 4 * i)).ToArray();

    public ushort[] BFloat16Scales() => _scales ??= Enumerable.Range(0, Scales.Length / 2).Select(i => BitConverter.ToUInt16(Scales, 2 * i)).ToArray();

    public void Dispose() => Buffer.Dispose();

    private static void FillFloats(byte[] bytes, Random random, float magnitude)
    {
        for (int i = 0; i < bytes.Length; i += 4)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i), RandomFloat(random, magnitude));
        }
    }

    private static float RandomFloat(Random random, float magnitude) => (float)((2 * random.NextDouble() - 1) * magnitude);
}
