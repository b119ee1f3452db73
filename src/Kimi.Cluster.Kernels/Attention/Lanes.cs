using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Kimi.Cluster.Kernels.Isa;

namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// The float vectors an attention loop runs on, as a type argument: the loops are written once and
/// the JIT compiles each width on its own (struct type arguments), with no call left in the loop.
/// </summary>
/// <typeparam name="TVector">The vector type itself.</typeparam>
internal unsafe interface ILanes<TVector> where TVector : struct
{
    /// <summary>Floats in a vector.</summary>
    static abstract int Count { get; }

    static abstract TVector Load(float* p);

    /// <summary>2·Count bf16 values from <paramref name="p"/> as floats (exact), in order: the first Count in low.</summary>
    static abstract void LoadBFloat16Pair(ushort* p, out TVector low, out TVector high);

    static abstract void Store(TVector value, float* p);

    static abstract TVector Broadcast(float value);

    /// <summary>left·right + addend, rounded once.</summary>
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);

    /// <summary>[Σa, Σb, Σc, Σd]: four reductions sharing their shuffles.</summary>
    static abstract Vector128<float> Sum4(TVector a, TVector b, TVector c, TVector d);
}

/// <summary>What the loops do the same way at any width.</summary>
internal static unsafe class Lanes
{
    /// <summary>Two consecutive vectors: low to p, high to p + Count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePair<TL, TV>(TV low, TV high, float* p)
        where TL : ILanes<TV>
        where TV : struct
    {
        TL.Store(low, p);
        TL.Store(high, p + TL.Count);
    }

    /// <summary>Four consecutive vectors from p on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFour<TL, TV>(TV first, TV second, TV third, TV fourth, float* p)
        where TL : ILanes<TV>
        where TV : struct
    {
        TL.Store(first, p);
        TL.Store(second, p + TL.Count);
        TL.Store(third, p + 2 * TL.Count);
        TL.Store(fourth, p + 3 * TL.Count);
    }

    /// <summary>Four consecutive vectors from p on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadFour<TL, TV>(float* p, out TV first, out TV second, out TV third, out TV fourth)
        where TL : ILanes<TV>
        where TV : struct
    {
        first = TL.Load(p);
        second = TL.Load(p + TL.Count);
        third = TL.Load(p + 2 * TL.Count);
        fourth = TL.Load(p + 3 * TL.Count);
    }

    /// <summary>Two consecutive vectors: low from p, high from p + Count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadPair<TL, TV>(float* p, out TV low, out TV high)
        where TL : ILanes<TV>
        where TV : struct
    {
        low = TL.Load(p);
        high = TL.Load(p + TL.Count);
    }
}

/// <summary><see cref="Vector{T}"/>: 8 floats on x64 (the runtime's default width), 4 on arm64; every path.</summary>
internal readonly unsafe struct NativeLanes : ILanes<Vector<float>>
{
    public static int Count => Vector<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Load(float* p) => Unsafe.ReadUnaligned<Vector<float>>(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadBFloat16Pair(ushort* p, out Vector<float> low, out Vector<float> high)
    {
        // One Vector<ushort> of bf16 values widened in order, each the top half of its float.
        Vector.Widen(Unsafe.ReadUnaligned<Vector<ushort>>(p), out Vector<uint> first, out Vector<uint> second);
        low = Vector.AsVectorSingle(first << 16);
        high = Vector.AsVectorSingle(second << 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector<float> value, float* p) => Unsafe.WriteUnaligned(p, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Broadcast(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> MultiplyAdd(Vector<float> left, Vector<float> right, Vector<float> addend) =>
        Vector.FusedMultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector<float> a, Vector<float> b, Vector<float> c, Vector<float> d) =>
        Vector<float>.Count == 8 && Avx.IsSupported
            ? Reduce.Sum4(a.AsVector256(), b.AsVector256(), c.AsVector256(), d.AsVector256())
            : Vector128.Create(Vector.Sum(a), Vector.Sum(b), Vector.Sum(c), Vector.Sum(d));
}

/// <summary>16-float <see cref="Vector512{T}"/>: the AVX-512 path's, half the instructions a row.</summary>
internal readonly unsafe struct WideLanes : ILanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadBFloat16Pair(ushort* p, out Vector512<float> low, out Vector512<float> high)
    {
        var (first, second) = Vector512.Widen(Vector512.Load(p));
        low = (first << 16).AsSingle();
        high = (second << 16).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, float* p) => value.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) =>
        Vector512.FusedMultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d) =>
        Reduce.Sum4(a, b, c, d);
}
