using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>AVX-512 bf16 and int4 kernels; inputs arrive transposed per chunk (see InputLayout).</summary>
internal sealed unsafe partial class Avx512Kernels
{
    // Constants are properties, not static readonly fields (see IsaKernels' remarks).
    // A dword holds two bf16: shifting left by 16 gives the even column's float, masking the odd one's.
    private static Vector512<uint> HighHalf
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(0xFFFF0000u);
    }

    // Lane l holds the word of columns 8l..8l+7; with power-of-two groups (or groups of whole
    // chunks, where every lane yields 0) its group within the chunk is 8l >> log2(group).
    private static Vector512<int> LaneColumns
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120);
    }

    // Stored nibble n means q = n − 8. vpermps looks up only the low 4 bits of each index lane, so
    // the word itself, shifted right by 4·j, indexes this table for nibble j: no mask, no convert.
    // Sixteen arguments put the getter past the size the JIT always inlines: in some runs of the
    // kernel benchmark it left a call per nibble in the int4 loops, with every accumulator spilled
    // around it (perf showed the getter's own samples; a 1-token int4 matvec of 2048 × 7168 on one
    // thread, weights in cache, ran at 5.8 GB/s against 22–24 GB/s in runs that inlined it).
    private static Vector512<float> Int4Values
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(-8f, -7f, -6f, -5f, -4f, -3f, -2f, -1f, 0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
    }

    /// <summary>
    /// Four rows' dots, one row after another: the four rows lie back to back, so the weights are
    /// read as one ascending stream, which the hardware prefetchers follow far ahead. Read as four
    /// interleaved streams (a vector of each row in turn) each stream lasted one row (2 KiB for
    /// 1024 columns) and the prefetchers started over at every group of four: batch-1 decode steps
    /// of the bench model alternated in one process ran 13-15% faster this way (bf16). Each row keeps
    /// its own two sums (even and odd columns) and the same reduction, so the bits are the same.
    /// The int4 matvec keeps its interleaved rows: a row-by-row form (four chunks of a row side by
    /// side) was 5% slower there. It is not bound by its nibble decoding alone (one thread decodes
    /// 24-28 GB/s of int4 in cache); from memory, decoding and streaming do not overlap well.
    /// </summary>
    private static void MatVecBFloat16(WeightMatrix w, int row0, int row1, float* x, float* y)
    {
        int columns = w.Columns, whole = columns / 32 * 32;
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

    /// <summary>One row's dot over columns [0, end) (a multiple of 32) as a vector to reduce, prefetching the stream ahead.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> DotBFloat16(ushort* row, float* x, int end)
    {
        Vector512<float> even = default, odd = default;
        for (int c = 0; c < end; c += 32)
        {
            Prefetch.Stream(row + c);
            var v = Vector512.Load((uint*)(row + c));
            even = Avx512F.FusedMultiplyAdd((v << 16).AsSingle(), Vector512.Load(x + c), even);
            odd = Avx512F.FusedMultiplyAdd((v & HighHalf).AsSingle(), Vector512.Load(x + c + 16), odd);
        }
        return even + odd;
    }

    private static void DecodeBFloat16(WeightMatrix w, int row, int k0, int length, float* destination)
    {
        ushort* p = (ushort*)w.Data + (long)row * w.Columns + k0;
        nint ahead = Prefetch.DecodeAhead(w);
        int c = 0;
        for (; c <= length - 32; c += 32)
        {
            Prefetch.Line(p + c, ahead);
            var v = Vector512.Load((uint*)(p + c));
            (v << 16).AsSingle().Store(destination + c);
            (v & HighHalf).AsSingle().Store(destination + c + 16);
        }
        for (; c < length; c++)
        {
            destination[c] = BitConverter.Int32BitsToSingle(p[c] << 16);
        }
    }

    // Columns one int4 vector chunk covers: a word (8 columns) per lane.
    private const int ChunkColumns = 128;

    /// <summary>
    /// Rows [row0, row1) into y[r], four at a time; the matrix's constants (prefetch distance, the
    /// lanes' groups, the group cursor's counts) are set up once per call, not once per four rows:
    /// an expert's down projection has two 128-column chunks a row, and the divisions of that setup
    /// cost about as much as the chunks' arithmetic. The chunk's eight x vectors are loaded once for
    /// the four rows.
    /// </summary>
    private static void MatVecInt4(WeightMatrix w, int row0, int row1, float* x, float* y)
    {
        // The scales a chunk spans as a type argument (see IChunkScales): with the count a
        // variable, each row's chunk ran a compare-and-branch chain before its scale load. Calls
        // alternated in one process (Kernels.Benchmarks --quick --formats int4 --tokens 1), one
        // thread in cache: [256, 1024] 6.9 against 7.5 µs, [1024, 256] 8.2 against 8.7,
        // [2048, 7168] 354 against 402; two threads from memory 0.95 of the old time; batch-1
        // decode steps of the INT4 bench model, alternated in one process, 0.972-0.999 of the old
        // median step in ten rounds out of ten. The few-token kernels, bound by their
        // multiply-adds, did not gain (0.94-1.03) and keep the variable.
        switch (Math.Max(1, ChunkColumns / w.Shape.GroupSize))
        {
            case 16:
                MatVecInt4<SixteenScales>(w, row0, row1, x, y);
                break;
            case 8:
                MatVecInt4<EightScales>(w, row0, row1, x, y);
                break;
            case 4:
                MatVecInt4<FourScales>(w, row0, row1, x, y);
                break;
            case 2:
                MatVecInt4<TwoScales>(w, row0, row1, x, y);
                break;
            default:
                MatVecInt4<OneScale>(w, row0, row1, x, y);
                break;
        }
    }

    private static void MatVecInt4<TScales>(WeightMatrix w, int row0, int row1, float* x, float* y)
        where TScales : struct, IChunkScales
    {
        int words = w.Columns / 8, group = w.Shape.GroupSize, groups = w.Shape.ScaleColumns;
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        var start = new GroupCursor(group, ChunkColumns, 0);
        var scaleWords = ScaleWords(group);
        // A local, not the getter at each use: see Int4Values.
        var values = Int4Values;
        for (int row = row0; row < row1; row += 4)
        {
            uint* p0 = (uint*)w.Data + (long)row * words, p1 = p0 + words, p2 = p1 + words, p3 = p2 + words;
            ushort* s0 = (ushort*)w.Scales + (long)row * groups, s1 = s0 + groups, s2 = s1 + groups, s3 = s2 + groups;
            var cursor = start;
            Vector512<float> t0 = default, t1 = default, t2 = default, t3 = default;
            int c = 0;
            for (; c <= words - 16; c += 16)
            {
                Prefetch.StreamRows(p0 + c, p1 + c, p2 + c, p3 + c, ahead);
                float* xc = x + c * 8;
                int g = cursor.Group;
                cursor.Advance();
                var x0 = Vector512.Load(xc);
                var x1 = Vector512.Load(xc + 16);
                var x2 = Vector512.Load(xc + 32);
                var x3 = Vector512.Load(xc + 48);
                var x4 = Vector512.Load(xc + 64);
                var x5 = Vector512.Load(xc + 80);
                var x6 = Vector512.Load(xc + 96);
                var x7 = Vector512.Load(xc + 112);
                t0 = Avx512F.FusedMultiplyAdd(ChunkDot(Vector512.Load((int*)p0 + c), values, x0, x1, x2, x3, x4, x5, x6, x7),
                    StoredGroupScales<TScales>(s0 + g, scaleWords), t0);
                t1 = Avx512F.FusedMultiplyAdd(ChunkDot(Vector512.Load((int*)p1 + c), values, x0, x1, x2, x3, x4, x5, x6, x7),
                    StoredGroupScales<TScales>(s1 + g, scaleWords), t1);
                t2 = Avx512F.FusedMultiplyAdd(ChunkDot(Vector512.Load((int*)p2 + c), values, x0, x1, x2, x3, x4, x5, x6, x7),
                    StoredGroupScales<TScales>(s2 + g, scaleWords), t2);
                t3 = Avx512F.FusedMultiplyAdd(ChunkDot(Vector512.Load((int*)p3 + c), values, x0, x1, x2, x3, x4, x5, x6, x7),
                    StoredGroupScales<TScales>(s3 + g, scaleWords), t3);
            }
            float* result = y + row;
            Reduce.Sum4(t0, t1, t2, t3).Store(result);
            if (c < words)
            {
                // Columns past the last whole chunk (rare: K2's widths are multiples of 128) take the
                // scales as floats.
                float* f0 = Int4Scales(w, row, 4, 0, groups, out int stride), f1 = f0 + stride, f2 = f1 + stride, f3 = f2 + stride;
                result[0] += Tails.DotInt4(p0, f0, group, x, c, words);
                result[1] += Tails.DotInt4(p1, f1, group, x, c, words);
                result[2] += Tails.DotInt4(p2, f2, group, x, c, words);
                result[3] += Tails.DotInt4(p3, f3, group, x, c, words);
            }
        }
    }

    /// <summary>
    /// One row's chunk: lane l's Σⱼ (nibble j − 8)·x[8l + j] for the word q (x transposed, xⱼ holding
    /// column 8l + j in lane l). Each nibble's shift comes from q itself and the products go to two
    /// sums (even and odd nibbles), not one chain of eight FMAs behind a chain of shifts. In cache
    /// both forms decode alike (26-27 GB/s a thread); streaming from memory, as the model's expert
    /// calls do, the shorter chains leave more room for the loads: batch-1 decode steps of the INT4
    /// bench model, alternated in one process with the chained form, ran 1-3% faster (12 rounds).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ChunkDot(Vector512<int> q, Vector512<float> values,
        Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3,
        Vector512<float> x4, Vector512<float> x5, Vector512<float> x6, Vector512<float> x7)
    {
        var even = Avx512F.PermuteVar16x32(values, q) * x0;
        var odd = Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(q, 4)) * x1;
        even = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(q, 8)), x2, even);
        odd = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(q, 12)), x3, odd);
        even = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(q, 16)), x4, even);
        odd = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(q, 20)), x5, odd);
        even = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(q, 24)), x6, even);
        odd = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(q, 28)), x7, odd);
        return even + odd;
    }

    private static void DecodeInt4(WeightMatrix w, int row, int k0, int length, float* destination)
    {
        int words = w.Columns / 8, group = w.Shape.GroupSize;
        int firstGroup = k0 / group, lastGroup = (k0 + length - 1) / group;
        float* scales = Int4Scales(w, row, 1, firstGroup, lastGroup - firstGroup + 1, out _);
        var cursor = new GroupCursor(group, ChunkColumns, k0);
        uint* p = (uint*)w.Data + (long)row * words + k0 / 8;
        var laneGroup = Vector512.ShiftRightLogical(LaneColumns, BitOperations.Log2((uint)group));
        int lengthWords = length / 8, c = 0;
        nint ahead = Prefetch.DecodeAhead(w);
        for (; c <= lengthWords - 16; c += 16)
        {
            Prefetch.Line(p + c, ahead);
            var scale = GroupScales(scales, cursor.Group, laneGroup);
            cursor.Advance();
            var q = Vector512.Load((int*)p + c);
            float* d = destination + c * 8;
            for (int j = 0; j < 8; j++)
            {
                (LowNibble(q) * scale).Store(d + 16 * j);
                q = Vector512.ShiftRightLogical(q, 4);
            }
        }
        for (int column = c * 8; column < length; column++)
        {
            int nibble = (int)(p[column >> 3] >> (4 * (column & 7))) & 0xF;
            destination[column] = (nibble - 8) * scales[(k0 + column) / group - firstGroup];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LowNibble(Vector512<int> q) => Avx512F.PermuteVar16x32(Int4Values, q);

    // Lane l covers columns 8l..8l+7 of the chunk; its group's scale is scales[g0 + 8l / group].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> GroupScales(float* scales, int g0, Vector512<int> laneGroup) =>
        Avx512F.PermuteVar16x32(Vector512.Load(scales + g0), laneGroup);

    /// <summary>
    /// The word permute that takes a chunk's bf16 scales (as <see cref="StoredGroupScales"/> loads
    /// them) to its lanes: lane l's high word is the scale of its group, 8l / group, and its low word
    /// word 31, which the load leaves zero (at most 16 scales are loaded).
    /// </summary>
    private static Vector512<short> ScaleWords(int group)
    {
        var laneGroup = Vector512.ShiftRightLogical(LaneColumns, BitOperations.Log2((uint)group));
        return ((laneGroup << 16) | Vector512.Create(31)).AsInt16();
    }

    /// <summary>
    /// The bf16 scales of a chunk's groups (perChunk of them: 128 / group, or 1 for groups of whole
    /// chunks), read without passing the last one (the matrix may end there), as lane floats: a
    /// bf16 is the high half of its float, so one word permute (<see cref="ScaleWords"/>) both
    /// widens them and spreads them to the lanes. Widening first and then permuting floats took
    /// four operations a row's chunk, a tenth of the matvec's: 1-token int4 matvecs of 2048 × 7168
    /// and 1024 × 256 on one thread, weights in cache, calls alternated in one process, ran 5-6%
    /// faster this way (3-4% streaming from memory); batch-1 decode steps of the INT4 bench model,
    /// whose routed experts are a third of a step, less than 1% (within the noise of eight rounds).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> StoredGroupScales(ushort* scales, int perChunk, Vector512<short> scaleWords) =>
        perChunk switch
        {
            16 => StoredGroupScales<SixteenScales>(scales, scaleWords),
            8 => StoredGroupScales<EightScales>(scales, scaleWords),
            4 => StoredGroupScales<FourScales>(scales, scaleWords),
            2 => StoredGroupScales<TwoScales>(scales, scaleWords),
            _ => StoredGroupScales<OneScale>(scales, scaleWords),
        };

    /// <summary><see cref="StoredGroupScales(ushort*, int, Vector512{short})"/> with the count a type argument: one load and the permute.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> StoredGroupScales<TScales>(ushort* scales, Vector512<short> scaleWords)
        where TScales : struct, IChunkScales
    {
        // Vector512.CreateScalar and ToVector512 zero every word past the ones loaded.
        Vector512<ushort> bits = TScales.PerChunk switch
        {
            16 => Vector256.Load(scales).ToVector512(),
            8 => Vector128.Load(scales).ToVector256().ToVector512(),
            4 => Vector512.CreateScalar(Unsafe.ReadUnaligned<ulong>(scales)).AsUInt16(),
            2 => Vector512.CreateScalar(Unsafe.ReadUnaligned<uint>(scales)).AsUInt16(),
            _ => Vector512.CreateScalar(*scales),
        };
        return Avx512BW.PermuteVar32x16(bits.AsInt16(), scaleWords).AsSingle();
    }
}
