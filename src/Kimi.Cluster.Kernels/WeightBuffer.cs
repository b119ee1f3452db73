using System.Runtime.InteropServices;
using Kimi.Cluster.Kernels.Core;

namespace Kimi.Cluster.Kernels;

/// <summary>
/// Owns 64-byte-aligned native memory for one weight matrix's stored data and scales and hands out
/// the <see cref="WeightMatrix"/> describing it. Bytes are copied in as stored, in slabs when a
/// tensor exceeds what one span can hold. Disposing frees the memory; matrices handed out must not
/// be used after that.
/// </summary>
public sealed unsafe class WeightBuffer : IDisposable
{
    // 64 bytes: one cache line and one AVX-512 vector; large tensors get 2 MiB (see HugePages).
    private const nuint Alignment = 64;

    private void* _data;
    private void* _scales;
    private readonly WeightMatrix _matrix;

    /// <summary>Allocates (uninitialized) memory for a matrix of <paramref name="shape"/>.</summary>
    public WeightBuffer(WeightShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shape = shape;
        _data = Allocate(shape.DataBytes);
        _scales = shape.ScaleBytes > 0 ? Allocate(shape.ScaleBytes) : null;
        _matrix = new WeightMatrix(shape, (nint)_data, (nint)_scales);
    }

    /// <summary>Finalizer: frees the native memory of a buffer nobody disposed.</summary>
    ~WeightBuffer() => Free();

    /// <summary>Format and sizes.</summary>
    public WeightShape Shape { get; }

    /// <summary>The matrix over this buffer's memory.</summary>
    public WeightMatrix Matrix
    {
        get
        {
            ObjectDisposedException.ThrowIf(_data is null, this);
            return _matrix;
        }
    }

    /// <summary>A buffer holding a copy of <paramref name="data"/> and <paramref name="scales"/> as stored.</summary>
    public static WeightBuffer Create(WeightShape shape, ReadOnlySpan<byte> data, ReadOnlySpan<byte> scales = default)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (data.Length != shape.DataBytes || scales.Length != shape.ScaleBytes)
        {
            throw new ArgumentException(
                $"{shape} stores {shape.DataBytes} data and {shape.ScaleBytes} scale bytes; got {data.Length} and {scales.Length}.",
                nameof(data));
        }
        var buffer = new WeightBuffer(shape);
        buffer.WriteData(0, data);
        buffer.WriteScales(0, scales);
        buffer.FindFp8Nans();
        return buffer;
    }

    /// <summary>Copies stored weight bytes to <paramref name="offset"/> (a slab of a larger tensor).</summary>
    public void WriteData(long offset, ReadOnlySpan<byte> bytes) => Write(_data, Shape.DataBytes, offset, bytes);

    /// <summary>
    /// Once the data is all in: looks through an FP8 matrix's bytes for NaNs (0x7F, 0xFF) and tells
    /// the kernels, which skip the NaN check in every decode for a matrix that holds none
    /// (<see cref="WeightMatrix.MayHoldFp8Nan"/>; until this runs they check). One vectorized pass
    /// at memory speed; the loader makes it as it copies each FP8 tensor in. Nothing for other formats.
    /// </summary>
    public void FindFp8Nans()
    {
        ObjectDisposedException.ThrowIf(_data is null, this);
        if (Shape.Format != WeightFormat.Fp8Block)
        {
            return;
        }
        bool found = false;
        for (long offset = 0; offset < Shape.DataBytes && !found; offset += int.MaxValue)
        {
            var slab = new ReadOnlySpan<byte>((byte*)_data + offset, (int)Math.Min(int.MaxValue, Shape.DataBytes - offset));
            found = slab.IndexOfAny(Fp8E4M3.NanBits, Fp8E4M3.NegativeNanBits) >= 0;
        }
        _matrix.MayHoldFp8Nan = found;
    }

    /// <summary>Copies stored scale bytes to <paramref name="offset"/>.</summary>
    public void WriteScales(long offset, ReadOnlySpan<byte> bytes) => Write(_scales, Shape.ScaleBytes, offset, bytes);

    /// <inheritdoc/>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Write(void* target, long capacity, long offset, ReadOnlySpan<byte> bytes)
    {
        ObjectDisposedException.ThrowIf(_data is null, this);
        if (offset < 0 || offset + bytes.Length > capacity)
        {
            throw new ArgumentOutOfRangeException(
                nameof(offset), $"{Shape}: writing {bytes.Length} bytes at {offset} overruns {capacity} bytes.");
        }
        if (bytes.IsEmpty)
        {
            return;
        }
        bytes.CopyTo(new Span<byte>((byte*)target + offset, bytes.Length));
    }

    private static void* Allocate(long bytes)
    {
        nuint alignment = bytes >= HugePages.Threshold ? HugePages.Alignment : Alignment;
        void* memory = NativeMemory.AlignedAlloc((nuint)bytes, alignment);
        HugePages.Advise((nint)memory, bytes);
        return memory;
    }

    private void Free()
    {
        NativeMemory.AlignedFree(_data);
        NativeMemory.AlignedFree(_scales);
        _data = null;
        _scales = null;
    }
}
