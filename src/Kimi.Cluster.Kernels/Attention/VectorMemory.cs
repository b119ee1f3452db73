using System.Numerics;
using System.Runtime.CompilerServices;

namespace Kimi.Cluster.Kernels.Attention;

/// <summary>Unaligned loads and stores of <see cref="Vector{T}"/> chunks, for the attention kernels' float rows.</summary>
internal static unsafe class VectorMemory
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Load(float* p) => Unsafe.ReadUnaligned<Vector<float>>(p);

    /// <summary>Two consecutive vectors at <paramref name="p"/>: a chunk of 2·<paramref name="width"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePair(Vector<float> low, Vector<float> high, float* p, int width)
    {
        Unsafe.WriteUnaligned(p, low);
        Unsafe.WriteUnaligned(p + width, high);
    }
}
