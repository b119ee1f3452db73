using System.Runtime.InteropServices;

namespace Kimi.Cluster.Kernels.Core;

/// <summary>
/// Large weight buffers on 2 MiB pages where Linux allows it (transparent huge pages in "madvise"
/// mode): streaming a matrix then costs one TLB entry per 2 MiB instead of per 4 KiB.
/// </summary>
internal static partial class HugePages
{
    /// <summary>Buffers at least this large get 2 MiB alignment and the huge-page hint.</summary>
    public const long Threshold = 4L << 20;

    /// <summary>2 MiB: the huge-page size on x86-64 and the usual one on arm64.</summary>
    public const nuint Alignment = 2u << 20;

    private const int MadviseHugePage = 14;

    /// <summary>Asks the kernel to back [address, address + bytes) with huge pages; a no-op elsewhere or on refusal.</summary>
    public static void Advise(nint address, long bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes < Threshold)
        {
            return;
        }
        try
        {
            _ = Madvise(address, (nuint)bytes, MadviseHugePage);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (or no madvise): regular pages work, only slower.
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
