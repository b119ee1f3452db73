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

    /// <summary>Weights index .. index + 2·TL.Count − 1 as float32, the first TL.Count in low.</summary>
    static abstract unsafe void LoadPair<TL, TV>(void* weights, long index, out TV low, out TV high)
        where TL : ILanes<TV>
        where TV : struct;

    /// <summary>Weight <paramref name="index"/> as float32.</summary>
    static abstract unsafe float At(void* weights, long index);
}

internal readonly struct Float32Weights : IHeadWeights
{
    public static int ElementBytes => sizeof(float);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void LoadPair<TL, TV>(void* weights, long index, out TV low, out TV high)
        where TL : ILanes<TV>
        where TV : struct
    {
        float* p = (float*)weights + index;
        low = TL.Load(p);
        high = TL.Load(p + TL.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float At(void* weights, long index) => ((float*)weights)[index];
}

internal readonly struct BFloat16Weights : IHeadWeights
{
    public static int ElementBytes => sizeof(ushort);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void LoadPair<TL, TV>(void* weights, long index, out TV low, out TV high)
        where TL : ILanes<TV>
        where TV : struct =>
        TL.LoadBFloat16Pair((ushort*)weights + index, out low, out high);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float At(void* weights, long index) => FloatBits.BFloat16ToSingle(((ushort*)weights)[index]);
}
