using System.Runtime.CompilerServices;

namespace Kimi.Cluster.Kernels.Formats;

/// <summary>Bit-level conversions shared by every kernel path: bf16 widening and the FP8 constants.</summary>
internal static class FloatBits
{
    /// <summary>2^120: rebiases an E4M3 exponent (bias 7) placed in a float32 (bias 127).</summary>
    public const float TwoPow120 = 1.329227995784916e36f;

    /// <summary>Float32 bits of the E4M3 sign and magnitude after the byte is sign-extended and shifted by 20.</summary>
    public const int Fp8SignAndMagnitudeMask = unchecked((int)0x87F00000);

    /// <summary>Float32 bits of an E4M3 NaN magnitude (0x7F) after the same shift.</summary>
    public const int Fp8NanMagnitude = 0x07F00000;

    /// <summary>bf16 bits to float32: the bf16 is the top half of the float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BFloat16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);
}
