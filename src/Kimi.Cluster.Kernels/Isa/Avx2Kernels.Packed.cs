using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Kimi.Cluster.Kernels.Core;

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

    // Flips the top nibble's bit 3: shifted down with its sign, it is then n − 8.
    private static Vector256<int> TopBit
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(int.MinValue);
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

    /// <summary>
    /// Rows [row0, row1) into y[r], four at a time, the matrix's constants set up once (see the
    /// AVX-512 path's). AVX2 has no permute to look nibbles up as floats, so each is masked in place
    /// and converted: nibble j of a word, masked, is n·16^j (n the stored nibble, 0-15), exact as a
    /// float, and the inputs come scaled by 16^-j (<see cref="ScaleInputs"/>, once a call), so the
    /// product is n·x exactly; the stored offset of 8 is taken off each lane's sum once, as
    /// 8·Σx over its columns. The top nibble has its bit 3 flipped and is shifted down with its
    /// sign, which gives n − 8 itself. Per nibble a mask, a convert and an FMA, where shifting each
    /// nibble to the top and back down took two shifts and made one chain of the eight: 1-token
    /// int4 matvecs alternated in one process with that form (Kernels.Benchmarks --quick --formats
    /// int4 --tokens 1 with KIMI_KERNEL_ISA=avx2), one thread in cache 1.30-1.52× as fast, from
    /// memory 1.42× on one thread and 1.23× on two; batch-1 decode steps of the INT4 bench model
    /// on the AVX2 path 0.89-0.90 of the old form's.
    /// </summary>
    private static void MatVecInt4(WeightMatrix w, int row0, int row1, float* x, float* y)
    {
        float* scaled = ScaledInputs(w, x, 1, out _);
        MatVecInt4Scaled(w, row0, row1, scaled, x, y);
    }

    /// <summary>
    /// <paramref name="tokens"/> input rows (stride Columns) as <see cref="MatVecInt4Scaled"/> and
    /// the two-token kernel take them, in this thread's scratch: per token its whole chunks' inputs
    /// scaled (<see cref="ScaleInputs"/>) and then their lanes' offsets, <paramref name="stride"/> floats a token.
    /// </summary>
    private static float* ScaledInputs(WeightMatrix w, float* x, int tokens, out int stride)
    {
        int whole = w.Columns / ChunkColumns * ChunkColumns;
        stride = whole + whole / 8;
        float* scaled = Scratch.Current.Get(ScratchSlot.Int4Inputs, (long)tokens * stride);
        for (int t = 0; t < tokens; t++)
        {
            float* token = scaled + (long)t * stride;
            ScaleInputs(x + (long)t * w.Columns, token, token + whole, whole);
        }
        return scaled;
    }

    /// <summary>
    /// <see cref="MatVecInt4"/> on inputs already scaled (<see cref="ScaledInputs"/>, one token);
    /// <paramref name="x"/>, as it came, serves the columns past the last whole chunk.
    /// </summary>
    private static void MatVecInt4Scaled(WeightMatrix w, int row0, int row1, float* scaled, float* x, float* y)
    {
        int words = w.Columns / 8, group = w.Shape.GroupSize, groups = w.Shape.ScaleColumns;
        int wholeWords = words / 8 * 8, whole = wholeWords * 8;
        float* offsets = scaled + whole;
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
            for (; c < wholeWords; c += 8)
            {
                Prefetch.StreamRows(p0 + c, p1 + c, p2 + c, p3 + c, ahead);
                float* xc = scaled + c * 8;
                int g0 = cursor.Group;
                cursor.Advance();
                var q0 = Vector256.Load((int*)p0 + c);
                var q1 = Vector256.Load((int*)p1 + c);
                var q2 = Vector256.Load((int*)p2 + c);
                var q3 = Vector256.Load((int*)p3 + c);
                var xv = Vector256.Load(xc);
                var mask = Vector256.Create(0xF);
                var a0 = Avx.ConvertToVector256Single(q0 & mask) * xv;
                var a1 = Avx.ConvertToVector256Single(q1 & mask) * xv;
                var a2 = Avx.ConvertToVector256Single(q2 & mask) * xv;
                var a3 = Avx.ConvertToVector256Single(q3 & mask) * xv;
                AddMaskedNibble(q0, q1, q2, q3, Vector256.Create(0xF0), Vector256.Load(xc + 8), ref a0, ref a1, ref a2, ref a3);
                AddMaskedNibble(q0, q1, q2, q3, Vector256.Create(0xF00), Vector256.Load(xc + 16), ref a0, ref a1, ref a2, ref a3);
                AddMaskedNibble(q0, q1, q2, q3, Vector256.Create(0xF000), Vector256.Load(xc + 24), ref a0, ref a1, ref a2, ref a3);
                AddMaskedNibble(q0, q1, q2, q3, Vector256.Create(0xF0000), Vector256.Load(xc + 32), ref a0, ref a1, ref a2, ref a3);
                AddMaskedNibble(q0, q1, q2, q3, Vector256.Create(0xF00000), Vector256.Load(xc + 40), ref a0, ref a1, ref a2, ref a3);
                AddMaskedNibble(q0, q1, q2, q3, Vector256.Create(0xF000000), Vector256.Load(xc + 48), ref a0, ref a1, ref a2, ref a3);
                xv = Vector256.Load(xc + 56);
                a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Vector256.ShiftRightArithmetic(q0 ^ TopBit, 28)), xv, a0);
                a1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Vector256.ShiftRightArithmetic(q1 ^ TopBit, 28)), xv, a1);
                a2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Vector256.ShiftRightArithmetic(q2 ^ TopBit, 28)), xv, a2);
                a3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Vector256.ShiftRightArithmetic(q3 ^ TopBit, 28)), xv, a3);
                var offset = Vector256.Load(offsets + c);
                t0 = Fma.MultiplyAdd(a0 - offset, GroupScales(s0, g0, laneGroup), t0);
                t1 = Fma.MultiplyAdd(a1 - offset, GroupScales(s1, g0, laneGroup), t1);
                t2 = Fma.MultiplyAdd(a2 - offset, GroupScales(s2, g0, laneGroup), t2);
                t3 = Fma.MultiplyAdd(a3 - offset, GroupScales(s3, g0, laneGroup), t3);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddMaskedNibble(Vector256<int> q0, Vector256<int> q1, Vector256<int> q2, Vector256<int> q3, Vector256<int> mask, Vector256<float> xv,
        ref Vector256<float> a0, ref Vector256<float> a1, ref Vector256<float> a2, ref Vector256<float> a3)
    {
        a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(q0 & mask), xv, a0);
        a1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(q1 & mask), xv, a1);
        a2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(q2 & mask), xv, a2);
        a3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(q3 & mask), xv, a3);
    }

    // Columns [0, whole) of x (in the int4 layout: nibble j of the eight lanes' words, then j + 1)
    // for MatVecInt4: nibble j's inputs times 16^-j for j < 7 (a power of two, so exact for inputs
    // above 2^-102; smaller ones would turn subnormal and lose bits), nibble 7's
    // as they are, and per lane 8·Σ_{j<7} x, the offset its masked nibbles carry.
    private static void ScaleInputs(float* x, float* scaled, float* offsets, int whole)
    {
        for (int c = 0; c < whole; c += 64)
        {
            var sum = Vector256<float>.Zero;
            float factor = 1f;
            for (int j = 0; j < 7; j++)
            {
                var v = Vector256.Load(x + c + 8 * j);
                sum += v;
                (v * factor).Store(scaled + c + 8 * j);
                factor *= 1f / 16;
            }
            Vector256.Load(x + c + 56).Store(scaled + c + 56);
            (sum * 8f).Store(offsets + c / 8);
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
