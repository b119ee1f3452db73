using System.Numerics;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// The path for any CPU: decode in natural order (the base class: scalar, but for float32 copies
/// and F16 conversions) and
/// <see cref="Vector{T}"/> dot products over the decoded tile; no fused matvec, so one token goes
/// through the same decode-then-dot tile as many.
/// </summary>
internal sealed unsafe class PortableKernels : IsaKernels
{
    public override KernelIsa Isa => KernelIsa.Portable;

    public override int Lanes => 1;

    public override int TokensPerDot => 1;

    public override void Dot4(float* w, int wStride, float* x, int xStride, int tokens, int length, float* result) =>
        Dot4x1(w, wStride, x, length, result);

    public override void Dot4x1(float* w, int wStride, float* x, int length, float* result)
    {
        float* w1 = w + wStride, w2 = w1 + wStride, w3 = w2 + wStride;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int width = Vector<float>.Count, k = 0;
        for (; k <= length - width; k += width)
        {
            var xv = Vector.Load(x + k);
            a0 += Vector.Load(w + k) * xv;
            a1 += Vector.Load(w1 + k) * xv;
            a2 += Vector.Load(w2 + k) * xv;
            a3 += Vector.Load(w3 + k) * xv;
        }
        result[0] = Vector.Sum(a0) + Tails.Dot(w, x, k, length);
        result[1] = Vector.Sum(a1) + Tails.Dot(w1, x, k, length);
        result[2] = Vector.Sum(a2) + Tails.Dot(w2, x, k, length);
        result[3] = Vector.Sum(a3) + Tails.Dot(w3, x, k, length);
    }
}
