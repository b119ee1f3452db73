using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Kimi.Cluster.Kernels.Formats;

/// <summary>
/// F16 (IEEE half) values to float32, a vector at a time, exactly: the half's exponent and mantissa
/// placed in a float's and rescaled by 2^112 (the difference of the biases, 127 − 15; a subnormal
/// half becomes a normal float that way), infinities and NaNs given the float's all-ones exponent
/// (their payloads kept, a NaN made quiet), then the sign. The same bits as
/// <see cref="BitConverter.UInt16BitsToHalf"/> cast to float; .NET exposes no F16C conversion to use instead.
/// </summary>
internal static unsafe class HalfRows
{
    /// <summary>2^112.</summary>
    private const float Rebias = 5.192296858534828e33f;

    /// <summary>Writes the floats of <paramref name="length"/> halves from <paramref name="source"/>, prefetching <paramref name="ahead"/> bytes on.</summary>
    public static void Decode(ushort* source, int length, float* destination, nint ahead)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= length - 16; i += 16)
            {
                Isa.Prefetch.Line(source + i, ahead);
                var (low, high) = Vector256.Widen(Vector256.Load(source + i));
                ToSingle(low).Store(destination + i);
                ToSingle(high).Store(destination + i + 8);
            }
        }
        for (; i < length; i++)
        {
            destination[i] = (float)BitConverter.UInt16BitsToHalf(source[i]);
        }
    }

    /// <summary>Eight halves (the low 16 bits of each lane) as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> half)
    {
        var bits = half & Vector256.Create(0x7FFFu);
        var magnitude = bits << 13;
        var infinityOrNan = Vector256.GreaterThanOrEqual(bits, Vector256.Create(0x7C00u));
        // A NaN comes out quiet, as the runtime's conversion makes it.
        var quiet = Vector256.GreaterThan(bits, Vector256.Create(0x7C00u)) & Vector256.Create(0x00400000u);
        var value = Vector256.ConditionalSelect(infinityOrNan,
            magnitude | Vector256.Create(0x7F800000u) | quiet,
            (magnitude.AsSingle() * Vector256.Create(Rebias)).AsUInt32());
        return (value | ((half & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Sixteen halves as floats: <see cref="ToSingle(Vector256{uint})"/> on 16-float vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> half)
    {
        var bits = half & Vector512.Create(0x7FFFu);
        var magnitude = bits << 13;
        var infinityOrNan = Vector512.GreaterThanOrEqual(bits, Vector512.Create(0x7C00u));
        var quiet = Vector512.GreaterThan(bits, Vector512.Create(0x7C00u)) & Vector512.Create(0x00400000u);
        var value = Vector512.ConditionalSelect(infinityOrNan,
            magnitude | Vector512.Create(0x7F800000u) | quiet,
            (magnitude.AsSingle() * Vector512.Create(Rebias)).AsUInt32());
        return (value | ((half & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }
}
