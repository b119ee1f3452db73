using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Core;

/// <summary>
/// The order a SIMD path wants the inputs in, so its weight decode needs no shuffles. Packed formats
/// put consecutive columns in one vector lane (eight int4 nibbles in a word, two bf16 in a dword);
/// extracting nibble j of every lane yields columns lane·Stride + j, so within each chunk of
/// Stride × Lanes columns the inputs are transposed to match: position j·Lanes + lane holds column
/// lane·Stride + j. Columns past the last whole chunk keep their natural order.
/// </summary>
internal readonly record struct InputLayout(int Stride, int Lanes)
{
    /// <summary>Columns per transposed chunk.</summary>
    public int Chunk => Stride * Lanes;

    /// <summary>True when the layout is the natural order and inputs are used as given.</summary>
    public bool IsIdentity => Stride == 1 || Lanes == 1;

    /// <summary>The layout of <paramref name="format"/> for vectors of <paramref name="lanes"/> floats.</summary>
    public static InputLayout For(WeightFormat format, int lanes) => format switch
    {
        WeightFormat.Int4Group => new InputLayout(8, lanes),
        WeightFormat.BFloat16 => new InputLayout(2, lanes),
        _ => new InputLayout(1, lanes),
    };

    /// <summary>Writes <paramref name="rows"/> rows of <paramref name="columns"/> inputs in this layout.</summary>
    public unsafe void Apply(float* source, float* destination, int columns, int rows)
    {
        for (long r = 0; r < rows; r++)
        {
            ApplyRow(source + r * columns, destination + r * columns, columns);
        }
    }

    /// <summary>Writes one row of inputs in this layout.</summary>
    public unsafe void ApplyRow(float* source, float* destination, int columns)
    {
        int chunk = Chunk;
        int whole = IsIdentity ? 0 : columns / chunk * chunk;
        // bf16's pairs are split with two permutes a chunk, not a scalar move per column: with 64
        // requests in flight the scalar layout of every call's inputs took 5% of the engine thread.
        int c = Stride switch
        {
            2 => SplitPairs(source, destination, whole),
            8 => LayOutEighths(source, destination, whole),
            _ => 0,
        };
        for (; c < whole; c += chunk)
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                for (int j = 0; j < Stride; j++)
                {
                    destination[c + j * Lanes + lane] = source[c + lane * Stride + j];
                }
            }
        }
        long tail = columns - whole;
        Buffer.MemoryCopy(source + whole, destination + whole, 4 * tail, 4 * tail);
    }

    /// <summary>
    /// Stride 8 (int4's eight nibbles a word) on 16 or 8 lanes: with AVX-512 by permutes in registers
    /// (<see cref="TransposeEighths"/>), else column j of eight lanes' words in one gather. Returns
    /// the columns done (0 where this CPU lacks the instructions). The scalar
    /// loop moved each column alone, on the calling thread while the workers wait: kernel bench,
    /// int4 [256, 1024] on 2 threads, 64 tokens 234 -> 164 µs a call, 4 tokens 17.0 -> 13.3 µs.
    /// </summary>
    private unsafe int LayOutEighths(float* source, float* destination, int whole)
    {
        if (Lanes == 16 && Avx512F.IsSupported)
        {
            return TransposeEighths(source, destination, whole);
        }
        if ((Lanes != 16 && Lanes != 8) || !Avx2.IsSupported)
        {
            return 0;
        }
        // Eight lanes a gather (AVX-512 has no float gather in .NET): two for a 16-lane chunk.
        var lanes = Vector256.Create(0, 8, 16, 24, 32, 40, 48, 56);
        int c = 0, chunk = 8 * Lanes;
        for (; c < whole; c += chunk)
        {
            for (int j = 0; j < 8; j++)
            {
                for (int half = 0; half < Lanes; half += 8)
                {
                    Avx2.GatherVector256(source + c + 8 * half + j, lanes, 4).Store(destination + c + Lanes * j + half);
                }
            }
        }
        return c;
    }

    /// <summary>
    /// Stride 8 on 16 lanes: each chunk's 128 columns, 16 rows of 8 (a word's columns a row), turned
    /// into 8 rows of 16 in registers by three rounds of two-vector permutes. The first round takes
    /// the pairs of vectors (four rows) apart into columns 0-3 and 4-7, the second joins pairs of
    /// those (eight rows) into two columns each, the third the two halves (sixteen rows) into one
    /// column each. With the 16 gathers (eight lanes each) this replaces, laying out an expert
    /// call's hidden rows for the down projection (the INT4 bench model's 64-sequence decode step:
    /// 512 rows of 256) took 153 µs on one thread; with the permutes, 55.
    /// </summary>
    private static unsafe int TransposeEighths(float* source, float* destination, int whole)
    {
        // Output lane → input lane (0-15 from the first vector, 16-31 from the second), per round.
        var columnsLow = Vector512.Create(0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27);
        var columnsHigh = Vector512.Create(4, 12, 20, 28, 5, 13, 21, 29, 6, 14, 22, 30, 7, 15, 23, 31);
        var pairLow = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
        var pairHigh = Vector512.Create(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
        var halvesLow = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        var halvesHigh = Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        int c = 0;
        for (; c < whole; c += 128)
        {
            float* s = source + c, d = destination + c;
            // Round 1: rows 4m..4m+3, columns 0-3 (a) and 4-7 (b), column-major.
            var a0 = Avx512F.PermuteVar16x32x2(Vector512.Load(s), columnsLow, Vector512.Load(s + 16));
            var b0 = Avx512F.PermuteVar16x32x2(Vector512.Load(s), columnsHigh, Vector512.Load(s + 16));
            var a1 = Avx512F.PermuteVar16x32x2(Vector512.Load(s + 32), columnsLow, Vector512.Load(s + 48));
            var b1 = Avx512F.PermuteVar16x32x2(Vector512.Load(s + 32), columnsHigh, Vector512.Load(s + 48));
            var a2 = Avx512F.PermuteVar16x32x2(Vector512.Load(s + 64), columnsLow, Vector512.Load(s + 80));
            var b2 = Avx512F.PermuteVar16x32x2(Vector512.Load(s + 64), columnsHigh, Vector512.Load(s + 80));
            var a3 = Avx512F.PermuteVar16x32x2(Vector512.Load(s + 96), columnsLow, Vector512.Load(s + 112));
            var b3 = Avx512F.PermuteVar16x32x2(Vector512.Load(s + 96), columnsHigh, Vector512.Load(s + 112));
            // Round 2: rows 8p..8p+7, two columns each (0-1, 2-3 from a; 4-5, 6-7 from b).
            var e00 = Avx512F.PermuteVar16x32x2(a0, pairLow, a1);
            var e01 = Avx512F.PermuteVar16x32x2(a0, pairHigh, a1);
            var e10 = Avx512F.PermuteVar16x32x2(a2, pairLow, a3);
            var e11 = Avx512F.PermuteVar16x32x2(a2, pairHigh, a3);
            var f00 = Avx512F.PermuteVar16x32x2(b0, pairLow, b1);
            var f01 = Avx512F.PermuteVar16x32x2(b0, pairHigh, b1);
            var f10 = Avx512F.PermuteVar16x32x2(b2, pairLow, b3);
            var f11 = Avx512F.PermuteVar16x32x2(b2, pairHigh, b3);
            // Round 3: all sixteen rows of one column.
            Avx512F.PermuteVar16x32x2(e00, halvesLow, e10).Store(d);
            Avx512F.PermuteVar16x32x2(e00, halvesHigh, e10).Store(d + 16);
            Avx512F.PermuteVar16x32x2(e01, halvesLow, e11).Store(d + 32);
            Avx512F.PermuteVar16x32x2(e01, halvesHigh, e11).Store(d + 48);
            Avx512F.PermuteVar16x32x2(f00, halvesLow, f10).Store(d + 64);
            Avx512F.PermuteVar16x32x2(f00, halvesHigh, f10).Store(d + 80);
            Avx512F.PermuteVar16x32x2(f01, halvesLow, f11).Store(d + 96);
            Avx512F.PermuteVar16x32x2(f01, halvesHigh, f11).Store(d + 112);
        }
        return c;
    }

    /// <summary>
    /// Stride 2 on 16 or 8 lanes: each chunk's even columns, then its odd ones. Returns the columns
    /// done (0 where this CPU lacks the instructions; the scalar loop then does them all).
    /// </summary>
    private unsafe int SplitPairs(float* source, float* destination, int whole)
    {
        int c = 0;
        if (Lanes == 16 && Avx512F.IsSupported)
        {
            var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odds = evens + Vector512<int>.One;
            for (; c < whole; c += 32)
            {
                var low = Vector512.Load(source + c);
                var high = Vector512.Load(source + c + 16);
                Avx512F.PermuteVar16x32x2(low, evens, high).Store(destination + c);
                Avx512F.PermuteVar16x32x2(low, odds, high).Store(destination + c + 16);
            }
        }
        else if (Lanes == 8 && Avx2.IsSupported)
        {
            for (; c < whole; c += 16)
            {
                var low = Vector256.Load(source + c);
                var high = Vector256.Load(source + c + 8);
                // Per 128-bit half: (low 0 2, high 0 2) and (low 1 3, high 1 3); then the halves' pairs in order.
                var evens = Avx2.Permute4x64(Avx.Shuffle(low, high, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
                var odds = Avx2.Permute4x64(Avx.Shuffle(low, high, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
                evens.Store(destination + c);
                odds.Store(destination + c + 8);
            }
        }
        return c;
    }
}
