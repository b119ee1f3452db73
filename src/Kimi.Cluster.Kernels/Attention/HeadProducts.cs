using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Kimi.Cluster.Kernels.Isa;
using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// y(t, h, ·) = Σ_i x(t, h, i)·W[h, i, ·], one work item per head: MLA's absorbed kv_b_proj halves
/// (a batched libtorch product runs on one thread, and at decode costs more than its arithmetic). Each
/// output chunk of four tokens stays in registers while the item walks W[h]'s rows (in L1/L2).
/// W is float32 or bf16 (<see cref="IHeadWeights"/>); the loops are the same, so are the sums. The
/// vector width is a type argument (<see cref="ILanes{TVector}"/>: 16 floats on the AVX-512 path, as
/// the attention loops take it, else <see cref="Vector{T}"/>). Every vector loop fuses its
/// multiply-adds, so a token gets the same bits alone or among four (at either width; the widths'
/// bits differ where the scalar tail starts elsewhere).
/// Cached per calling thread and refilled per call, so a call allocates nothing.
/// </summary>
internal sealed unsafe class HeadProducts : IWorkItems
{
    [ThreadStatic] private static HeadProducts? t_cached;

    private HeadProductLayout? _layout;
    private float* _x, _y;
    private void* _weights;
    private WeightFormat _format;
    private bool _wide;

    public static void Run(WorkerPool pool, bool wide, HeadProductLayout layout, float* x, void* weights, WeightFormat format, float* y)
    {
        var job = t_cached ??= new HeadProducts();
        job._wide = wide;
        job._layout = layout;
        job._x = x;
        job._weights = weights;
        job._format = format;
        job._y = y;
        try
        {
            pool.Run(job, layout.Heads);
        }
        finally
        {
            job._layout = null;
            job._x = job._y = null;
            job._weights = null;
        }
    }

    public void Execute(int head) => Compute(_wide, _layout!, _x, _weights, _format, _y, head);

    public long WeightBytes => _layout?.WeightBytes(_format) ?? 0;

    /// <summary>
    /// Head <paramref name="head"/>'s products for every token: one work item of this job, or of a job
    /// that runs it among other steps; <paramref name="wide"/>: on 16-float vectors (the AVX-512 path).
    /// </summary>
    public static void Compute(bool wide, HeadProductLayout l, float* x, void* weights, WeightFormat format, float* y, int head)
    {
        switch (wide, format)
        {
            case (true, WeightFormat.BFloat16):
                Compute<WideLanes, Vector512<float>, BFloat16Weights>(l, x, weights, y, head);
                break;
            case (true, _):
                Compute<WideLanes, Vector512<float>, Float32Weights>(l, x, weights, y, head);
                break;
            case (false, WeightFormat.BFloat16):
                Compute<NativeLanes, Vector<float>, BFloat16Weights>(l, x, weights, y, head);
                break;
            default:
                Compute<NativeLanes, Vector<float>, Float32Weights>(l, x, weights, y, head);
                break;
        }
    }

    private static void Compute<TL, TV, TW>(HeadProductLayout l, float* x, void* weights, float* y, int head)
        where TL : ILanes<TV>
        where TV : struct
        where TW : IHeadWeights
    {
        // W[h] starts head · inputs · outputs weights in, counted in elements from here on.
        void* w = (byte*)weights + (long)head * l.Inputs * l.Outputs * TW.ElementBytes;
        x += head * l.XHeadStride;
        y += head * l.YHeadStride;
        int t = 0;
        for (; t + TokenBlock <= l.Tokens; t += TokenBlock)
            MultiplyFour<TL, TV, TW>(x + t * l.XTokenStride, l.XTokenStride, w, l.Inputs, l.Outputs, y + t * l.YTokenStride, l.YTokenStride);
        for (; t < l.Tokens; t++)
            Multiply<TL, TV, TW>(x + t * l.XTokenStride, w, l.Inputs, l.Outputs, y + t * l.YTokenStride);
    }

    /// <summary>Tokens that share each load of W's rows.</summary>
    private const int TokenBlock = 4;

    /// <summary>
    /// Four tokens at once: each chunk of a W row loaded is multiplied into all four tokens' sums,
    /// so W (the head's whole matrix, re-read per token otherwise) is read once per four tokens.
    /// </summary>
    private static void MultiplyFour<TL, TV, TW>(float* x, long xStride, void* w, int inputs, int outputs, float* y, long yStride)
        where TL : ILanes<TV>
        where TV : struct
        where TW : IHeadWeights
    {
        int width = TL.Count, o = 0;
        float* x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        for (; o + 2 * width <= outputs; o += 2 * width)
        {
            TV l0 = default, h0 = default, l1 = default, h1 = default;
            TV l2 = default, h2 = default, l3 = default, h3 = default;
            for (int i = 0; i < inputs; i++)
            {
                TW.LoadPair<TL, TV>(w, (long)i * outputs + o, out var low, out var high);
                var xi = TL.Broadcast(x[i]);
                l0 = TL.MultiplyAdd(low, xi, l0);
                h0 = TL.MultiplyAdd(high, xi, h0);
                xi = TL.Broadcast(x1[i]);
                l1 = TL.MultiplyAdd(low, xi, l1);
                h1 = TL.MultiplyAdd(high, xi, h1);
                xi = TL.Broadcast(x2[i]);
                l2 = TL.MultiplyAdd(low, xi, l2);
                h2 = TL.MultiplyAdd(high, xi, h2);
                xi = TL.Broadcast(x3[i]);
                l3 = TL.MultiplyAdd(low, xi, l3);
                h3 = TL.MultiplyAdd(high, xi, h3);
            }
            Lanes.StorePair<TL, TV>(l0, h0, y + o);
            Lanes.StorePair<TL, TV>(l1, h1, y + yStride + o);
            Lanes.StorePair<TL, TV>(l2, h2, y + 2 * yStride + o);
            Lanes.StorePair<TL, TV>(l3, h3, y + 3 * yStride + o);
        }
        if (o < outputs)
        {
            for (int t = 0; t < TokenBlock; t++)
                MultiplyColumns<TW>(x + t * xStride, w, inputs, outputs, o, y + t * yStride);
        }
    }

    /// <summary>
    /// y[0..outputs) = Σ_i x[i]·w[i, ·]: eight vectors of y at a time (then two), accumulated over
    /// every row of w. One token has no other token to share a load of w with, so this product is
    /// bound by reading w: eight vectors make each row's read a long contiguous run (two vectors
    /// walked the head's matrix in 64-byte strides) and give eight independent chains of adds.
    /// </summary>
    private static void Multiply<TL, TV, TW>(float* x, void* w, int inputs, int outputs, float* y)
        where TL : ILanes<TV>
        where TV : struct
        where TW : IHeadWeights
    {
        int width = TL.Count, o = 0;
        for (; o + 8 * width <= outputs; o += 8 * width)
            MultiplyEightVectors<TL, TV, TW>(x, w, o, inputs, outputs, y + o, width);
        for (; o + 4 * width <= outputs; o += 4 * width)
            MultiplyFourVectors<TL, TV, TW>(x, w, o, inputs, outputs, y + o, width);
        for (; o + 2 * width <= outputs; o += 2 * width)
        {
            TV low = default, high = default;
            for (int i = 0; i < inputs; i++)
            {
                var xi = TL.Broadcast(x[i]);
                TW.LoadPair<TL, TV>(w, (long)i * outputs + o, out var rowLow, out var rowHigh);
                low = TL.MultiplyAdd(rowLow, xi, low);
                high = TL.MultiplyAdd(rowHigh, xi, high);
            }
            Lanes.StorePair<TL, TV>(low, high, y + o);
        }
        MultiplyColumns<TW>(x, w, inputs, outputs, o, y);
    }

    /// <summary>
    /// y[0..8·width) = Σ_i x[i]·w[i, 0..8·width), the sums of each element in the same order as the
    /// narrower loops. The head's weights are read once a step, so they come from memory: each row's
    /// lines are prefetched a stride ahead (<see cref="PrefetchRow{TW}"/>).
    /// </summary>
    private static void MultiplyEightVectors<TL, TV, TW>(float* x, void* w, int o, int inputs, int outputs, float* y, int width)
        where TL : ILanes<TV>
        where TV : struct
        where TW : IHeadWeights
    {
        TV s0 = default, s1 = default, s2 = default, s3 = default;
        TV s4 = default, s5 = default, s6 = default, s7 = default;
        for (int i = 0; i < inputs; i++)
        {
            var xi = TL.Broadcast(x[i]);
            long row = (long)i * outputs + o;
            PrefetchRow<TW>(w, row, 8 * width);
            TW.LoadPair<TL, TV>(w, row, out var w0, out var w1);
            TW.LoadPair<TL, TV>(w, row + 2 * width, out var w2, out var w3);
            TW.LoadPair<TL, TV>(w, row + 4 * width, out var w4, out var w5);
            TW.LoadPair<TL, TV>(w, row + 6 * width, out var w6, out var w7);
            s0 = TL.MultiplyAdd(w0, xi, s0);
            s1 = TL.MultiplyAdd(w1, xi, s1);
            s2 = TL.MultiplyAdd(w2, xi, s2);
            s3 = TL.MultiplyAdd(w3, xi, s3);
            s4 = TL.MultiplyAdd(w4, xi, s4);
            s5 = TL.MultiplyAdd(w5, xi, s5);
            s6 = TL.MultiplyAdd(w6, xi, s6);
            s7 = TL.MultiplyAdd(w7, xi, s7);
        }
        Lanes.StorePair<TL, TV>(s0, s1, y);
        Lanes.StorePair<TL, TV>(s2, s3, y + 2 * width);
        Lanes.StorePair<TL, TV>(s4, s5, y + 4 * width);
        Lanes.StorePair<TL, TV>(s6, s7, y + 6 * width);
    }

    /// <summary>
    /// y[0..4·width) the same way: a whole row's outputs when a head has four vectors of them (the
    /// bench model's value product, 64 outputs), read in one pass where the two-vector loop took
    /// two passes over every row, each reading half of it.
    /// </summary>
    private static void MultiplyFourVectors<TL, TV, TW>(float* x, void* w, int o, int inputs, int outputs, float* y, int width)
        where TL : ILanes<TV>
        where TV : struct
        where TW : IHeadWeights
    {
        TV s0 = default, s1 = default, s2 = default, s3 = default;
        for (int i = 0; i < inputs; i++)
        {
            var xi = TL.Broadcast(x[i]);
            long row = (long)i * outputs + o;
            PrefetchRow<TW>(w, row, 4 * width);
            TW.LoadPair<TL, TV>(w, row, out var w0, out var w1);
            TW.LoadPair<TL, TV>(w, row + 2 * width, out var w2, out var w3);
            s0 = TL.MultiplyAdd(w0, xi, s0);
            s1 = TL.MultiplyAdd(w1, xi, s1);
            s2 = TL.MultiplyAdd(w2, xi, s2);
            s3 = TL.MultiplyAdd(w3, xi, s3);
        }
        Lanes.StorePair<TL, TV>(s0, s1, y);
        Lanes.StorePair<TL, TV>(s2, s3, y + 2 * width);
    }

    /// <summary>
    /// Prefetches, non-temporal, the lines of <paramref name="elements"/> weights from index
    /// <paramref name="row"/> on, <see cref="Prefetch.Distance"/> bytes ahead: a head's 16-32 KB
    /// (bench model) are too short a stream for the hardware prefetchers to reach speed. Batch-1
    /// decode steps of the INT4 bench model, alternated in one process with the unprefetched loops:
    /// 0.972-0.990 of their time over six rounds (the four-vector pass alone: 0.991-1.000).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRow<TW>(void* w, long row, int elements) where TW : IHeadWeights
    {
        byte* start = (byte*)w + row * TW.ElementBytes;
        for (int offset = 0; offset < elements * TW.ElementBytes; offset += 64)
            Prefetch.Stream(start + offset);
    }

    /// <summary>The columns from <paramref name="o"/> on, one at a time: what is left past the whole vectors.</summary>
    private static void MultiplyColumns<TW>(float* x, void* w, int inputs, int outputs, int o, float* y) where TW : IHeadWeights
    {
        for (; o < outputs; o++)
        {
            float sum = 0;
            for (int i = 0; i < inputs; i++)
                sum += x[i] * TW.At(w, (long)i * outputs + o);
            y[o] = sum;
        }
    }
}
