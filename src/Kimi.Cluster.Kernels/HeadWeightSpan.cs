using System.Runtime.InteropServices;

namespace Kimi.Cluster.Kernels;

/// <summary>
/// The weights of a per-head product (MLA's kv_b_proj halves) as the caller holds them: float32
/// values, or bf16 bits as a bf16 checkpoint stores them (half the bytes a decode step streams).
/// A float span converts to it implicitly; bf16 bits say so with <see cref="BFloat16"/>, so a span
/// of ushort is never taken for weights by accident. Either way the kernels compute the float32
/// product of the same values (bf16 → float32 is exact).
/// </summary>
public readonly ref struct HeadWeightSpan
{
    private HeadWeightSpan(ReadOnlySpan<byte> bytes, int length, WeightFormat format)
    {
        Bytes = bytes;
        Length = length;
        Format = format;
    }

    /// <summary>Weights held as float32.</summary>
    public static HeadWeightSpan Float32(ReadOnlySpan<float> values) =>
        new(MemoryMarshal.AsBytes(values), values.Length, WeightFormat.Float32);

    /// <summary>Weights held as bf16 bits (the high half of each float32).</summary>
    public static HeadWeightSpan BFloat16(ReadOnlySpan<ushort> bits) =>
        new(MemoryMarshal.AsBytes(bits), bits.Length, WeightFormat.BFloat16);

    public static implicit operator HeadWeightSpan(ReadOnlySpan<float> values) => Float32(values);

    /// <summary>How many weights.</summary>
    public int Length { get; }

    /// <summary><see cref="WeightFormat.Float32"/> or <see cref="WeightFormat.BFloat16"/>.</summary>
    public WeightFormat Format { get; }

    /// <summary>The weights' memory, to pin.</summary>
    internal ReadOnlySpan<byte> Bytes { get; }
}
