using System.Numerics;
using Kimi.Cluster.Kernels.Threading;
using static Kimi.Cluster.Kernels.Attention.VectorMemory;

namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// y(t, h, ·) = Σ_i x(t, h, i)·W[h, i, ·], one work item per head: MLA's absorbed kv_b_proj halves
/// at decode, where a batched libtorch product (one thread) costs more than its arithmetic. Each
/// output chunk of four tokens stays in registers while the item walks W[h]'s rows (in L1/L2).
/// W is float32 or bf16 (<see cref="IHeadWeights"/>); the loops are the same, so are the sums. Every
/// vector loop fuses its multiply-adds, so a token gets the same bits alone or among four.
/// Cached per calling thread and refilled per call, so a call allocates nothing.
/// </summary>
internal sealed unsafe class HeadProducts : IWorkItems
{
    [ThreadStatic] private static HeadProducts? t_cached;

    private HeadProductLayout? _layout;
    private float* _x, _y;
    private void* _weights;
    private WeightFormat _format;

    public static void Run(WorkerPool pool, HeadProductLayout layout, float* x, void* weights, WeightFormat format, float* y)
    {
        var job = t_cached ??= new HeadProducts();
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

    public void Execute(int head) => Compute(_layout!, _x, _weights, _format, _y, head);

    public long WeightBytes => _layout?.WeightBytes(_format) ?? 0;

    /// <summary>Head <paramref name="head"/>'s products for every token: one work item of this job, or of a job that runs it among other steps.</summary>
    public static void Compute(HeadProductLayout l, float* x, void* weights, WeightFormat format, float* y, int head)
    {
        if (format == WeightFormat.BFloat16)
            Compute<BFloat16Weights>(l, x, weights, y, head);
        else
            Compute<Float32Weights>(l, x, weights, y, head);
    }

    private static void Compute<TW>(HeadProductLayout l, float* x, void* weights, float* y, int head) where TW : IHeadWeights
    {
        // W[h] starts head · inputs · outputs weights in, counted in elements from here on.
        void* w = (byte*)weights + (long)head * l.Inputs * l.Outputs * TW.ElementBytes;
        x += head * l.XHeadStride;
        y += head * l.YHeadStride;
        int t = 0;
        for (; t + TokenBlock <= l.Tokens; t += TokenBlock)
            MultiplyFour<TW>(x + t * l.XTokenStride, l.XTokenStride, w, l.Inputs, l.Outputs, y + t * l.YTokenStride, l.YTokenStride);
        for (; t < l.Tokens; t++)
            Multiply<TW>(x + t * l.XTokenStride, w, l.Inputs, l.Outputs, y + t * l.YTokenStride);
    }

    /// <summary>Tokens that share each load of W's rows.</summary>
    private const int TokenBlock = 4;

    /// <summary>
    /// Four tokens at once: each chunk of a W row loaded is multiplied into all four tokens' sums,
    /// so W (the head's whole matrix, re-read per token otherwise) is read once per four tokens.
    /// </summary>
    private static void MultiplyFour<TW>(float* x, long xStride, void* w, int inputs, int outputs, float* y, long yStride) where TW : IHeadWeights
    {
        int width = Vector<float>.Count, o = 0;
        float* x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        for (; o + 2 * width <= outputs; o += 2 * width)
        {
            Vector<float> l0 = default, h0 = default, l1 = default, h1 = default;
            Vector<float> l2 = default, h2 = default, l3 = default, h3 = default;
            for (int i = 0; i < inputs; i++)
            {
                TW.LoadPair(w, (long)i * outputs + o, out var low, out var high);
                var xi = new Vector<float>(x[i]);
                l0 = Vector.FusedMultiplyAdd(low, xi, l0);
                h0 = Vector.FusedMultiplyAdd(high, xi, h0);
                xi = new Vector<float>(x1[i]);
                l1 = Vector.FusedMultiplyAdd(low, xi, l1);
                h1 = Vector.FusedMultiplyAdd(high, xi, h1);
                xi = new Vector<float>(x2[i]);
                l2 = Vector.FusedMultiplyAdd(low, xi, l2);
                h2 = Vector.FusedMultiplyAdd(high, xi, h2);
                xi = new Vector<float>(x3[i]);
                l3 = Vector.FusedMultiplyAdd(low, xi, l3);
                h3 = Vector.FusedMultiplyAdd(high, xi, h3);
            }
            StorePair(l0, h0, y + o, width);
            StorePair(l1, h1, y + yStride + o, width);
            StorePair(l2, h2, y + 2 * yStride + o, width);
            StorePair(l3, h3, y + 3 * yStride + o, width);
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
    private static void Multiply<TW>(float* x, void* w, int inputs, int outputs, float* y) where TW : IHeadWeights
    {
        int width = Vector<float>.Count, o = 0;
        for (; o + 8 * width <= outputs; o += 8 * width)
            MultiplyEightVectors<TW>(x, w, o, inputs, outputs, y + o, width);
        for (; o + 2 * width <= outputs; o += 2 * width)
        {
            Vector<float> low = default, high = default;
            for (int i = 0; i < inputs; i++)
            {
                var xi = new Vector<float>(x[i]);
                TW.LoadPair(w, (long)i * outputs + o, out var rowLow, out var rowHigh);
                low = Vector.FusedMultiplyAdd(rowLow, xi, low);
                high = Vector.FusedMultiplyAdd(rowHigh, xi, high);
            }
            StorePair(low, high, y + o, width);
        }
        MultiplyColumns<TW>(x, w, inputs, outputs, o, y);
    }

    /// <summary>y[0..8·width) = Σ_i x[i]·w[i, 0..8·width), the sums of each element in the same order as the narrower loops.</summary>
    private static void MultiplyEightVectors<TW>(float* x, void* w, int o, int inputs, int outputs, float* y, int width) where TW : IHeadWeights
    {
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector<float> s4 = default, s5 = default, s6 = default, s7 = default;
        for (int i = 0; i < inputs; i++)
        {
            var xi = new Vector<float>(x[i]);
            long row = (long)i * outputs + o;
            TW.LoadPair(w, row, out var w0, out var w1);
            TW.LoadPair(w, row + 2 * width, out var w2, out var w3);
            TW.LoadPair(w, row + 4 * width, out var w4, out var w5);
            TW.LoadPair(w, row + 6 * width, out var w6, out var w7);
            s0 = Vector.FusedMultiplyAdd(w0, xi, s0);
            s1 = Vector.FusedMultiplyAdd(w1, xi, s1);
            s2 = Vector.FusedMultiplyAdd(w2, xi, s2);
            s3 = Vector.FusedMultiplyAdd(w3, xi, s3);
            s4 = Vector.FusedMultiplyAdd(w4, xi, s4);
            s5 = Vector.FusedMultiplyAdd(w5, xi, s5);
            s6 = Vector.FusedMultiplyAdd(w6, xi, s6);
            s7 = Vector.FusedMultiplyAdd(w7, xi, s7);
        }
        StorePair(s0, s1, y, width);
        StorePair(s2, s3, y + 2 * width, width);
        StorePair(s4, s5, y + 4 * width, width);
        StorePair(s6, s7, y + 6 * width, width);
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
