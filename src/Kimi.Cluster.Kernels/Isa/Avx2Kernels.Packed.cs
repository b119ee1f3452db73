using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>AVX2 bf16 and int4 kernels; inputs arrive transposed per chunk (see InputLayout).</summary>
internal sealed unsafe partial class Avx2Kernels
{
    // Constants are properties, not static readonly fields (see IsaKernels' remarks).
    // A dword holds two bf16: shifting left by 16 gives the even column's float, masking the odd one's.
    private static Vector256<uint> HighHalf
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(0xFFFF0000u);
    }

    // Lane l holds the word of columns 8l..8l+7; with power-of-two groups (or groups of whole
    // chunks, where every lane yields 0) its group within the chunk is 8l >> log2(group).
    private static Vector256<int> LaneColumns
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(0, 8, 16, 24, 32, 40, 48, 56);
    }

    // Stored nibbles are q + 8; flipping bit 3 makes them two's-complement q, sign-extended by shifts.
    private static Vector256<int> NibbleBias
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(unchecked((int)0x88888888));
    }

    /// <summary>Four rows' dots, one row after another: one ascending stream of weights (see the AVX-512 path's), the same bits.</summary>
    private static void MatVecBFloat16(WeightMatrix w, int row0, int row1, float* x, float* y)
    {
        int columns = w.Columns, whole = columns / 16 * 16;
        for (int row = row0; row < row1; row += 4)
        {
            ushort* p0 = (ushort*)w.Data + (long)row * columns, p1 = p0 + columns, p2 = p1 + columns, p3 = p2 + columns;
            Reduce.Sum4(DotBFloat16(p0, x, whole), DotBFloat16(p1, x, whole), DotBFloat16(p2, x, whole), DotBFloat16(p3, x, whole)).Store(y + row);
            if (whole < columns)
            {
                Tails.AddBFloat16Rows(y + row, p0, columns, x, whole);
            }
        }
    }

    /// <summary>One row's dot over columns [0, end) (a multiple of 16) as a vector to reduce, prefetching the stream ahead.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> DotBFloat16(ushort* row, float* x, int end)
    {
        Vector256<float> even = default, odd = default;
        for (int c = 0; c < end; c += 16)
        {
            // A prefetch per 64-byte line: every other step of 32 bytes.
            if ((c & 31) == 0)
            {
                Prefetch.Stream(row + c);
            }
            var v = Vector256.Load((uint*)(row + c));
            even = Fma.MultiplyAdd((v << 16).AsSingle(), Vector256.Load(x + c), even);
            odd = Fma.MultiplyAdd((v & HighHalf).AsSingle(), Vector256.Load(x + c + 8), odd);
        }
        return even + odd;
    }

    private static void DecodeBFloat16(WeightMatrix w, int row, int k0, int length, float* destination)
    {
        ushort* p = (ushort*)w.Data + (long)row * w.Columns + k0;
        nint ahead = Prefetch.DecodeAhead(w);
        int c = 0;
        for (; c <= length - 16; c += 16)
        {
            Prefetch.Line(p + c, ahead);
            var v = Vector256.Load((uint*)(p + c));
            (v << 16).AsSingle().Store(destination + c);
            (v & HighHalf).AsSingle().Store(destination + c + 8);
        }
        for (; c < length; c++)
        {
            destination[c] = BitConverter.Int32BitsToSingle(p[c] << 16);
        }
    }

    // Columns one int4 vector chunk covers: a word (8 columns) per lane.
    private const int ChunkColumns = 64;

    /// <summary>Rows [row0, row1) into y[r], four at a time, the matrix's constants set up once (see the AVX-512 path's).</summary>
    private static void MatVecInt4(WeightMatrix w, int row0, int row1, float* x, float* y)
    {
        int words = w.Columns / 8, group = w.Shape.GroupSize, groups = w.Shape.ScaleColumns;
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        var start = new GroupCursor(group, ChunkColumns, 0);
        var laneGroup = Vector256.ShiftRightLogical(LaneColumns, BitOperations.Log2((uint)group));
        for (int row = row0; row < row1; row += 4)
        {
            uint* p0 = (uint*)w.Data + (long)row * words, p1 = p0 + words, p2 = p1 + words, p3 = p2 + words;
            float* s0 = Int4Scales(w, row, 4, 0, groups, out int stride), s1 = s0 + stride, s2 = s1 + stride, s3 = s2 + stride;
            var cursor = start;
            Vector256<float> t0 = default, t1 = default, t2 = default, t3 = default;
            int c = 0;
            for (; c <= words - 8; c += 8)
            {
                Prefetch.StreamRows(p0 + c, p1 + c, p2 + c, p3 + c, ahead);
                float* xc = x + c * 8;
                int g0 = cursor.Group;
                cursor.Advance();
                var q0 = Vector256.Load((int*)p0 + c) ^ NibbleBias;
                var q1 = Vector256.Load((int*)p1 + c) ^ NibbleBias;
                var q2 = Vector256.Load((int*)p2 + c) ^ NibbleBias;
                var q3 = Vector256.Load((int*)p3 + c) ^ NibbleBias;
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                // Nibble 7 sits in the top bits: an arithmetic shift by 28 sign-extends it; shifting the
                // word left by 4 brings the next nibble up, so every shift count is a constant.
                for (int j = 7; j >= 0; j--)
                {
                    var xv = Vector256.Load(xc + 8 * j);
                    a0 = Fma.MultiplyAdd(TopNibble(q0), xv, a0);
                    a1 = Fma.MultiplyAdd(TopNibble(q1), xv, a1);
                    a2 = Fma.MultiplyAdd(TopNibble(q2), xv, a2);
                    a3 = Fma.MultiplyAdd(TopNibble(q3), xv, a3);
                    q0 <<= 4;
                    q1 <<= 4;
                    q2 <<= 4;
                    q3 <<= 4;
                }
                t0 = Fma.MultiplyAdd(a0, GroupScales(s0, g0, laneGroup), t0);
                t1 = Fma.MultiplyAdd(a1, GroupScales(s1, g0, laneGroup), t1);
                t2 = Fma.MultiplyAdd(a2, GroupScales(s2, g0, laneGroup), t2);
                t3 = Fma.MultiplyAdd(a3, GroupScales(s3, g0, laneGroup), t3);
            }
            float* result = y + row;
            Reduce.Sum4(t0, t1, t2, t3).Store(result);
            if (c < words)
            {
                result[0] += Tails.DotInt4(p0, s0, group, x, c, words);
                result[1] += Tails.DotInt4(p1, s1, group, x, c, words);
                result[2] += Tails.DotInt4(p2, s2, group, x, c, words);
                result[3] += Tails.DotInt4(p3, s3, group, x, c, words);
            }
        }
    }

    private static void DecodeInt4(WeightMatrix w, int row, int k0, int length, float* destination)
    {
        int words = w.Columns / 8, group = w.Shape.GroupSize;
        int firstGroup = k0 / group, lastGroup = (k0 + length - 1) / group;
        float* scales = Int4Scales(w, row, 1, firstGroup, lastGroup - firstGroup + 1, out _);
        var cursor = new GroupCursor(group, ChunkColumns, k0);
        uint* p = (uint*)w.Data + (long)row * words + k0 / 8;
        var laneGroup = Vector256.ShiftRightLogical(LaneColumns, BitOperations.Log2((uint)group));
        int lengthWords = length / 8, c = 0;
        nint ahead = Prefetch.DecodeAhead(w);
        for (; c <= lengthWords - 8; c += 8)
        {
            Prefetch.Line(p + c, ahead);
            var scale = GroupScales(scales, cursor.Group, laneGroup);
            cursor.Advance();
            var q = Vector256.Load((int*)p + c) ^ NibbleBias;
            float* d = destination + c * 8;
            for (int j = 7; j >= 0; j--)
            {
                (TopNibble(q) * scale).Store(d + 8 * j);
                q <<= 4;
            }
        }
        for (int column = c * 8; column < length; column++)
        {
            int nibble = (int)(p[column >> 3] >> (4 * (column & 7))) & 0xF;
            destination[column] = (nibble - 8) * scales[(k0 + column) / group - firstGroup];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TopNibble(Vector256<int> q) =>
        Avx.ConvertToVector256Single(Vector256.ShiftRightArithmetic(q, 28));

    // Lane l covers columns 8l..8l+7 of the chunk; its group's scale is scales[g0 + 8l / group].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> GroupScales(float* scales, int g0, Vector256<int> laneGroup) =>
        Avx2.PermuteVar8x32(Vector256.Load(scales + g0), laneGroup);

    // The bf16 scales of a chunk's groups (perChunk of them: 64 / group, or 1 for groups of whole
    // chunks), read without passing the last one (the matrix may end there), widened to floats and
    // spread to the lanes as GroupScales does.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> StoredGroupScales(ushort* scales, int perChunk, Vector256<int> laneGroup)
    {
        Vector128<ushort> bits = perChunk switch
        {
            8 => Vector128.Load(scales),
            4 => Vector128.CreateScalar(Unsafe.ReadUnaligned<ulong>(scales)).AsUInt16(),
            2 => Vector128.CreateScalar(Unsafe.ReadUnaligned<uint>(scales)).AsUInt16(),
            _ => Vector128.CreateScalar(*scales),
        };
        // Lanes past perChunk are zero; laneGroup never selects them.
        var floats = Vector256.ShiftLeft(Avx2.ConvertToVector256Int32(bits), 16).AsSingle();
        return Avx2.PermuteVar8x32(floats, laneGroup);
    }
}
