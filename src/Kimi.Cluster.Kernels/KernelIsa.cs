namespace Kimi.Cluster.Kernels;

/// <summary>The instruction-set path a <see cref="CpuKernels"/> instance runs.</summary>
public enum KernelIsa
{
    /// <summary>Scalar decode and <see cref="System.Numerics.Vector{T}"/> dot products: runs anywhere.</summary>
    Portable,

    /// <summary>AVX2 and FMA over 256-bit vectors.</summary>
    Avx2,

    /// <summary>AVX-512 F/BW over 512-bit vectors.</summary>
    Avx512,
}
