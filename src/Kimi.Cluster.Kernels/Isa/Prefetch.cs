using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// Software prefetch for the fused matvecs, which stream four weight rows at once: hardware
/// prefetchers stop at every 4 KiB page and ramp up again, while a matvec is only fast if the next
/// lines of every row are already on their way.
/// </summary>
internal static unsafe class Prefetch
{
    /// <summary>How far ahead of the current position each row is prefetched.</summary>
    public const int Distance = 1024;

    /// <summary>Prefetches the line <see cref="Distance"/> bytes past each pointer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows(void* p0, void* p1, void* p2, void* p3)
    {
        Sse.Prefetch0((byte*)p0 + Distance);
        Sse.Prefetch0((byte*)p1 + Distance);
        Sse.Prefetch0((byte*)p2 + Distance);
        Sse.Prefetch0((byte*)p3 + Distance);
    }
}
