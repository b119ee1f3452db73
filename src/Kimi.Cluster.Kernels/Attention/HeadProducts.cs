using System.Numerics;
using System.Runtime.CompilerServices;
using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// y(t, h, ·) = Σ_i x(t, h, i)·W[h, i, ·] for a few tokens, one work item per head: MLA's absorbed
/// kv_b_proj halves at decode, where a batched libtorch product costs more than its arithmetic.
/// Each output chunk stays in registers while the item walks W[h]'s rows (contiguous, in L1/L2).
/// Cached per calling thread and refilled per call, so a call allocates nothing.
/// </summary>
internal sealed unsafe class HeadProducts : IWorkItems
{
    [ThreadStatic] private static HeadProducts? t_cached;

    private HeadProductLayout? _layout;
    private float* _x, _weights, _y;

    public static void Run(WorkerPool pool, HeadProductLayout layout, float* x, float* weights, float* y)
    {
        var job = t_cached ??= new HeadProducts();
        job._layout = layout;
        job._x = x;
        job._weights = weights;
        job._y = y;
        try
        {
            pool.Run(job, layout.Heads);
        }
        finally
        {
            job._layout = null;
            job._x = job._weights = job._y = null;
        }
    }

    public void Execute(int head)
    {
        var l = _layout!;
        float* w = _weights + (long)head * l.Inputs * l.Outputs;
        for (int t = 0; t < l.Tokens; t++)
            Multiply(_x + t * l.XTokenStride + head * l.XHeadStride, w, l.Inputs, l.Outputs, _y + t * l.YTokenStride + head * l.YHeadStride);
    }

    /// <summary>y[0..outputs) = Σ_i x[i]·w[i, ·]: two vectors of y at a time, accumulated over every row of w.</summary>
    private static void Multiply(float* x, float* w, int inputs, int outputs, float* y)
    {
        int width = Vector<float>.Count, o = 0;
        for (; o + 2 * width <= outputs; o += 2 * width)
        {
            Vector<float> low = default, high = default;
            for (int i = 0; i < inputs; i++)
            {
                var xi = new Vector<float>(x[i]);
                float* row = w + (long)i * outputs + o;
                low += Load(row) * xi;
                high += Load(row + width) * xi;
            }
            Unsafe.WriteUnaligned(y + o, low);
            Unsafe.WriteUnaligned(y + o + width, high);
        }
        for (; o < outputs; o++)
        {
            float sum = 0;
            for (int i = 0; i < inputs; i++)
                sum += x[i] * w[(long)i * outputs + o];
            y[o] = sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(float* p) => Unsafe.ReadUnaligned<Vector<float>>(p);
}
