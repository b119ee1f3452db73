using System.Numerics;
using System.Runtime.CompilerServices;
using Kimi.Cluster.Kernels.Formats;

namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// How a head product reads its weights: float32, or bf16 as the checkpoint stores it (MLA's
/// kv_b_proj halves in a bf16 checkpoint, half the bytes a decode step streams for them). The
/// product's loops take the weights in pairs of consecutive vectors, so one bf16 load widens to
/// exactly such a pair; bf16 → float32 is exact, so both give the float32 product of the same values.
/// </summary>
internal interface IHeadWeights
{
    /// <summary>Bytes of one weight.</summary>
    static abstract int ElementBytes { get; }

    /// <summary>Weights index .. index + 2·Vector&lt;float&gt;.Count − 1 as float32.</summary>
    static abstract unsafe void LoadPair(void* weights, long index, out Vector<float> low, out Vector<float> high);

    /// <summary>Weight <paramref name="index"/> as float32.</summary>
    static abstract unsafe float At(void* weights, long index);
}

internal readonly struct Float32Weights : IHeadWeights
{
    public static int ElementBytes => sizeof(float);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void LoadPair(void* weights, long index, out Vector<float> low, out Vector<float> high)
    {
        float* p = (float*)weights + index;
        low = VectorMemory.Load(p);
        high = VectorMemory.Load(p + Vector<float>.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float At(void* weights, long index) => ((float*)weights)[index];
}

internal readonly struct BFloat16Weights : IHeadWeights
{
    public static int ElementBytes => sizeof(ushort);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void LoadPair(void* weights, long index, out Vector<float> low, out Vector<float> high)
    {
        // 2·Vector<float>.Count bf16 values are one Vector<ushort>; widened in order, each the top half of its float.
        var bits = Unsafe.ReadUnaligned<Vector<ushort>>((ushort*)weights + index);
        Vector.Widen(bits, out Vector<uint> first, out Vector<uint> second);
        low = Vector.AsVectorSingle(first << 16);
        high = Vector.AsVectorSingle(second << 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float At(void* weights, long index) => FloatBits.BFloat16ToSingle(((ushort*)weights)[index]);
}
