using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kimi.Cluster.Kernels.Core;

/// <summary>
/// Per-thread float buffers that only grow, so steady-state calls allocate nothing. Pinned managed
/// arrays rather than native memory: when a thread dies the GC frees its buffers, no finalizer needed.
/// Each pointer is 64-byte aligned and stays valid until the slot is asked for more.
/// </summary>
internal sealed unsafe class Scratch
{
    [ThreadStatic] private static Scratch? t_current;

    private readonly float[]?[] _arrays = new float[]?[Enum.GetValues<ScratchSlot>().Length];
    private readonly nint[] _aligned = new nint[Enum.GetValues<ScratchSlot>().Length];

    /// <summary>The calling thread's buffers.</summary>
    public static Scratch Current => t_current ??= new Scratch();

    /// <summary>At least <paramref name="floats"/> floats (plus 16 of slack) for <paramref name="slot"/>; contents undefined.</summary>
    public float* Get(ScratchSlot slot, long floats)
    {
        int index = (int)slot;
        var array = _arrays[index];
        // 16 floats of slack for vector reads past the end, 16 more to align the start to 64 bytes.
        long needed = floats + 32;
        if (array is null || array.LongLength < needed)
        {
            long size = Math.Max(needed, (array?.LongLength ?? 0) * 3 / 2);
            if (size > Array.MaxLength)
            {
                throw new OutOfMemoryException($"Kernel scratch of {floats} floats exceeds one array.");
            }
            array = GC.AllocateUninitializedArray<float>((int)size, pinned: true);
            _arrays[index] = array;
            nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
            _aligned[index] = (start + 63) & ~(nint)63;
        }
        return (float*)_aligned[index];
    }
}
