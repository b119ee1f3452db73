using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>
/// Draws a tensor's bytes a buffer at a time and writes them out, so that memory stays at one
/// buffer whatever the tensor's size. Values depend only on the seed and the tensor's name.
/// </summary>
public static class RandomTensorData
{
    public static void Write(Stream stream, PlannedTensor tensor, ulong seed, byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(buffer);
        // Whole 8-byte units per buffer keep every element, and every packed word, inside one buffer.
        if (buffer.Length % 8 != 0)
            throw new ArgumentException("the buffer length must be a multiple of 8", nameof(buffer));
        var random = Xoshiro256.ForTensor(seed, tensor.Name);
        for (long remaining = tensor.ByteLength; remaining > 0;)
        {
            var chunk = buffer.AsSpan(0, (int)Math.Min(remaining, buffer.Length));
            Fill(tensor, ref random, chunk);
            stream.Write(chunk);
            remaining -= chunk.Length;
        }
    }

    private static void Fill(PlannedTensor tensor, ref Xoshiro256 random, Span<byte> chunk)
    {
        switch (tensor.Fill)
        {
            case TensorFill.Bf16Uniform:
                Bf16(MemoryMarshal.Cast<byte, ushort>(chunk), tensor.Center, tensor.Spread, ref random);
                break;
            case TensorFill.F32Uniform:
                F32(MemoryMarshal.Cast<byte, float>(chunk), tensor.Center, tensor.Spread, ref random);
                break;
            case TensorFill.F32UniformRaised:
                // A routing bias: one vector, always within the first buffer.
                var bias = MemoryMarshal.Cast<byte, float>(chunk);
                F32(bias, tensor.Center, tensor.Spread, ref random);
                foreach (int index in tensor.Constant ?? [])
                    bias[index] += 1;
                break;
            case TensorFill.Int4Nibbles:
                Nibbles(MemoryMarshal.Cast<byte, uint>(chunk), ref random);
                break;
            case TensorFill.Fp8Codes:
                Fp8(chunk, ref random);
                break;
            case TensorFill.Int32Constant:
                // A weight_shape: two values, always within the first buffer.
                for (int i = 0; i < chunk.Length / 4; i++)
                    BinaryPrimitives.WriteInt32LittleEndian(chunk[(i * 4)..], tensor.Constant![i]); // planned with Constant
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(tensor), tensor.Fill, "unknown fill");
        }
    }

    /// <summary>Two values per 64 random bits; bf16 by rounding the float's bits to nearest even.</summary>
    private static void Bf16(Span<ushort> values, float center, float spread, ref Xoshiro256 random)
    {
        for (int i = 0; i < values.Length; i += 2)
        {
            ulong bits = random.NextUInt64();
            values[i] = ToBf16(center + spread * Xoshiro256.Symmetric((uint)bits));
            if (i + 1 < values.Length)
                values[i + 1] = ToBf16(center + spread * Xoshiro256.Symmetric((uint)(bits >> 32)));
        }
    }

    private static void F32(Span<float> values, float center, float spread, ref Xoshiro256 random)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = center + spread * Xoshiro256.Symmetric((uint)random.NextUInt64());
    }

    /// <summary>One word per 64 random bits: each byte picks a nibble in 1..15 (q in -7..7), least significant first.</summary>
    private static void Nibbles(Span<uint> words, ref Xoshiro256 random)
    {
        for (int i = 0; i < words.Length; i++)
        {
            ulong bits = random.NextUInt64();
            uint word = 0;
            for (int n = 0; n < 8; n++)
                word |= (uint)(1 + (((bits >> (8 * n)) & 0xFF) * 15 >> 8)) << (4 * n);
            words[i] = word;
        }
    }

    /// <summary>Four codes per 64 random bits, each from 12 of them through the lookup table.</summary>
    private static void Fp8(Span<byte> codes, ref Xoshiro256 random)
    {
        var table = Fp8E4M3.UniformCodes;
        for (int i = 0; i < codes.Length; i += 4)
        {
            ulong bits = random.NextUInt64();
            for (int n = 0; n < 4 && i + n < codes.Length; n++)
                codes[i + n] = table[(int)((bits >> (16 * n)) & 0xFFF)];
        }
    }

    private static ushort ToBf16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
