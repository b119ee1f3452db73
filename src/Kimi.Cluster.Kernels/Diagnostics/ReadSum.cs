using System.Numerics;
using System.Runtime.Intrinsics;
using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Diagnostics;

/// <summary>
/// A read ceiling as a pool job: sums <see cref="Count"/> consecutive runs of <see cref="PerItem"/>
/// bytes from <see cref="Start"/>, an item each, so each thread streams one contiguous range as a
/// matvec's rows do. What the read-bandwidth probe and the kernel bench's per-call ceiling time.
/// </summary>
internal sealed unsafe class ReadSum : IWorkItems
{
    public byte* Start { get; set; }

    /// <summary>Bytes an item sums: whole 256-byte blocks (the loops read 64 floats a turn).</summary>
    public long PerItem { get; private set; }

    public int Count { get; private set; }

    /// <summary>Bytes a run reads: <see cref="PerItem"/> × <see cref="Count"/>.</summary>
    public long Bytes => PerItem * Count;

    /// <summary>Kept so the sums are not optimized away.</summary>
    public float Sink { get; private set; }

    /// <summary>Splits up to <paramref name="bytes"/> into <paramref name="count"/> items of whole 256-byte blocks.</summary>
    public void Split(long bytes, int count)
    {
        Count = count;
        PerItem = bytes / count / 256 * 256;
    }

    public void Execute(int item) => Sink = Sum((float*)(Start + item * PerItem), PerItem / 4);

    private static float Sum(float* p, long count)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a = default, b = default, c = default, d = default;
            for (long i = 0; i < count; i += 64)
            {
                a += Vector512.Load(p + i);
                b += Vector512.Load(p + i + 16);
                c += Vector512.Load(p + i + 32);
                d += Vector512.Load(p + i + 48);
            }
            return Vector512.Sum(a + b + c + d);
        }
        int width = Vector<float>.Count;
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (long i = 0; i < count; i += 4 * width)
        {
            s0 += Vector.Load(p + i);
            s1 += Vector.Load(p + i + width);
            s2 += Vector.Load(p + i + 2 * width);
            s3 += Vector.Load(p + i + 3 * width);
        }
        return Vector.Sum(s0 + s1 + s2 + s3);
    }
}
