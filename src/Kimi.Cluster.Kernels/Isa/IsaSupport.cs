using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>What this CPU can run, which path is best, and the one place a path is instantiated.</summary>
internal static class IsaSupport
{
    /// <summary>Whether this process can run <paramref name="isa"/>.</summary>
    public static bool IsSupported(KernelIsa isa) => isa switch
    {
        KernelIsa.Avx512 => Avx512F.IsSupported && Avx512BW.IsSupported,
        KernelIsa.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    /// <summary>Paths this CPU runs, best last.</summary>
    public static IReadOnlyList<KernelIsa> Supported { get; } =
        Enum.GetValues<KernelIsa>().Where(IsSupported).ToArray();

    /// <summary>
    /// The fastest supported path. AVX-512 only where the runtime also prefers 512-bit vectors, since
    /// on some CPUs they lower the clock (the runtime then reports them as not accelerated).
    /// </summary>
    public static KernelIsa Best =>
        IsSupported(KernelIsa.Avx512) && Vector512.IsHardwareAccelerated ? KernelIsa.Avx512
        : IsSupported(KernelIsa.Avx2) ? KernelIsa.Avx2
        : KernelIsa.Portable;

    /// <summary>The kernels of <paramref name="isa"/>, or a clear error when this CPU lacks it.</summary>
    public static IsaKernels Create(KernelIsa isa)
    {
        if (!IsSupported(isa))
        {
            throw new PlatformNotSupportedException(
                $"Kernel path {isa} was asked for, but this CPU lacks it; supported: {string.Join(", ", Supported)}.");
        }
        return isa switch
        {
            KernelIsa.Avx512 => new Avx512Kernels(),
            KernelIsa.Avx2 => new Avx2Kernels(),
            _ => new PortableKernels(),
        };
    }

    /// <summary>Parses avx512 | avx2 | portable (any case), as KIMI_KERNEL_ISA spells them.</summary>
    public static KernelIsa Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "avx512" => KernelIsa.Avx512,
        "avx2" => KernelIsa.Avx2,
        "portable" or "scalar" => KernelIsa.Portable,
        _ => throw new ArgumentException($"Kernel path '{text}' is not one of avx512, avx2, portable.", nameof(text)),
    };
}
