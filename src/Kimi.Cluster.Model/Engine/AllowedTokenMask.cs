using System.Runtime.InteropServices;
using Kimi.Cluster.Constraints;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// Applies a constraint's allowed tokens to one row of logits: every other token gets -inf, so
/// greedy picks and draws only ever land on allowed tokens. Ids past the constraint's vocabulary
/// (a model vocabulary padded beyond its tokenizer's) are never allowed.
/// </summary>
internal static class AllowedTokenMask
{
    // Byte i of entry b is 1 when bit i of b is set: expands flags eight ids at a time.
    private static readonly ulong[] ByteToBools = BuildExpansion();

    /// <summary>rowLogits: [vocab]. Returns the row itself when every token is allowed, end tokens included.</summary>
    public static Tensor Apply(Tensor rowLogits, AllowedTokens allowed)
    {
        if (allowed.AllowsAll && allowed.AllowsEnd && allowed.VocabularySize >= rowLogits.size(0))
            return rowLogits;
        // The flags are written straight into the mask's memory: a managed 160 KB array per row and
        // step would land on the large object heap and cost a gen-2 collection every few steps.
        using var mask = empty(rowLogits.size(0), dtype: ScalarType.Bool);
        Blocked(allowed.Bits, TensorMemory.Flags(mask));
        return rowLogits.masked_fill(mask.to(rowLogits.device), KeptScalars.NegativeInfinity);
    }

    /// <summary>Sets one flag per id of <paramref name="blocked"/>: true where the bitset (over possibly fewer ids) does not allow it.</summary>
    internal static void Blocked(ReadOnlySpan<ulong> bits, Span<bool> blocked)
    {
        var bytes = MemoryMarshal.Cast<bool, byte>(blocked);
        bytes.Fill(1);
        var wide = MemoryMarshal.Cast<byte, ulong>(bytes[..(bytes.Length / 8 * 8)]);
        int words = Math.Min(bits.Length, (bytes.Length + 63) / 64);
        for (int w = 0; w < words; w++)
        {
            ulong word = bits[w];
            if (word == 0)
                continue;
            for (int b = 0; b < 8; b++)
            {
                int slot = w * 8 + b;
                byte open = (byte)~(byte)(word >> (b * 8));
                if (slot < wide.Length)
                    wide[slot] = ByteToBools[open];
                else
                    SetTail(bytes, slot * 8, open);
            }
        }
    }

    private static void SetTail(Span<byte> keep, int first, byte octet)
    {
        for (int i = 0; i < 8 && first + i < keep.Length; i++)
            keep[first + i] = (byte)((octet >> i) & 1);
    }

    private static ulong[] BuildExpansion()
    {
        var table = new ulong[256];
        for (int value = 0; value < 256; value++)
        {
            for (int i = 0; i < 8; i++)
                table[value] |= (ulong)((value >> i) & 1) << (i * 8);
        }
        return table;
    }
}
