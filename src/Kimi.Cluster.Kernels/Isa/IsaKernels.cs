using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Kimi.Cluster.Kernels.Core;
using Kimi.Cluster.Kernels.Formats;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// One instruction-set path's building blocks: row decode into the path's input layout, register-
/// blocked dot products over decoded rows, and fused single-token matvecs that read weights in place.
/// The row kernel composes them; everything format- and ISA-specific lives behind this class.
/// </summary>
/// <remarks>
/// Habits that keep the JIT's (.NET 10) kernels in registers, each found in its disassembly
/// (DOTNET_JitDisasm):
/// <list type="bullet">
/// <item>Vector constants are properties that build the vector, not static readonly fields: the JIT
/// folds them into the loops, where a static field read compiled before the class's initialiser
/// has run keeps an initialisation check (a helper call) in the loop, and every accumulator is
/// spilled around it. Their getters are AggressiveInlining: the JIT inlines a small one by itself,
/// but not always one built from sixteen arguments (the int4 lookup table ran as a call per nibble
/// in some runs).</item>
/// <item>Accumulators are plain locals written out in the kernel: a struct of vectors, or locals
/// handed to a helper by reference, stay in the frame.</item>
/// <item>At most about twenty vectors live across a loop's back edge (sixteen accumulators plus the
/// decode temporaries were spilled; twelve are not).</item>
/// <item>Vector registers do not survive calls: accumulators are reduced before any call.</item>
/// </list>
/// </remarks>
internal abstract unsafe class IsaKernels
{
    /// <summary>Which path this is.</summary>
    public abstract KernelIsa Isa { get; }

    /// <summary>Floats per vector; fixes the <see cref="InputLayout"/> of packed formats.</summary>
    public abstract int Lanes { get; }

    /// <summary>Tokens one <see cref="Dot4"/> call handles.</summary>
    public abstract int TokensPerDot { get; }

    /// <summary>The input order this path wants for <paramref name="format"/>.</summary>
    public InputLayout LayoutFor(WeightFormat format) => InputLayout.For(format, Lanes);

    /// <summary>
    /// Dots four decoded rows (<paramref name="w"/>, row stride <paramref name="wStride"/>) with
    /// <paramref name="tokens"/> (2..<see cref="TokensPerDot"/>) input rows (stride
    /// <paramref name="xStride"/>) over <paramref name="length"/> columns: result[t·4 + r]. Fewer
    /// tokens than the kernel's width repeat the last one, so the tile is still read once.
    /// </summary>
    public abstract void Dot4(float* w, int wStride, float* x, int xStride, int tokens, int length, float* result);

    /// <summary>Dots four decoded rows with one input row: result[r].</summary>
    public abstract void Dot4x1(float* w, int wStride, float* x, int length, float* result);

    /// <summary>Rows a panel of <see cref="PackPanel"/> holds.</summary>
    public const int PanelRows = 32;

    /// <summary>Tokens one <see cref="PanelDot"/> call handles; 0 when the path has no panel kernel.</summary>
    public virtual int PanelTokens => 0;

    /// <summary>
    /// Transposes <see cref="PanelRows"/> decoded rows (<paramref name="tile"/>, row stride
    /// <paramref name="tileStride"/>) over <paramref name="length"/> columns into
    /// panel[k·PanelRows + r].
    /// </summary>
    public virtual void PackPanel(float* tile, int tileStride, int length, float* panel) =>
        throw new NotSupportedException($"{Isa} has no panel kernel.");

    /// <summary>
    /// y[t·yStride + r] (= or += when not <paramref name="first"/>) Σ_k panel[k·PanelRows + r]·x[t·xStride + k]
    /// for 1..<see cref="PanelTokens"/> tokens and all <see cref="PanelRows"/> rows of the panel.
    /// </summary>
    public virtual void PanelDot(float* panel, int length, float* x, int xStride, int tokens, float* y, int yStride, bool first) =>
        throw new NotSupportedException($"{Isa} has no panel kernel.");

    /// <summary>Whether <see cref="MatVecRows"/> reads <paramref name="format"/> in place.</summary>
    public virtual bool HasMatVec(WeightFormat format) => false;

    /// <summary>
    /// Rows [<paramref name="row0"/>, <paramref name="row1"/>) of W (a whole number of fours) times one
    /// input row in this path's layout into y[r], four rows at a time. Reads every weight byte once,
    /// straight from the stored matrix. The paths set up a matrix's constants once a call, not once
    /// per four rows (an expert's int4 down projection has two 128-column chunks a row, and that
    /// setup cost about as much as their arithmetic); each four gets the bits it gets alone.
    /// </summary>
    public virtual void MatVecRows(WeightMatrix w, int row0, int row1, float* x, float* y) =>
        throw new NotSupportedException($"{Isa} has no fused matvec for {w.Format}.");

    /// <summary>Rows <paramref name="row0"/>..+3 of W times one input row: result[r] (<see cref="MatVecRows"/> of one four).</summary>
    public void MatVec4(WeightMatrix w, int row0, float* x, float* result) => MatVecRows(w, row0, row0 + 4, x, result - row0);

    /// <summary>Most tokens <see cref="MatVec4Tokens"/> takes; 1 when the path has no multi-token matvec.</summary>
    public virtual int FusedTokens => 1;

    /// <summary>Most tokens <see cref="MatVec4Tokens"/> takes for <paramref name="format"/>; <see cref="FusedTokens"/> unless a path does more.</summary>
    public virtual int FusedTokensFor(WeightFormat format) => FusedTokens;

    /// <summary>
    /// Up to how many tokens the fused matvecs beat a decoded tile for <paramref name="w"/> (run in
    /// groups of <see cref="FusedTokensFor"/>, each group re-reading four rows from L2); 0 for none.
    /// </summary>
    public virtual int FusedTokenLimit(WeightMatrix w) => 0;

    /// <summary>
    /// Rows [<paramref name="row0"/>, <paramref name="row1"/>) of W (a whole number of fours) times
    /// 2..<see cref="FusedTokenLimit"/> input rows (stride Columns, this path's layout) into
    /// y[t·yStride + r], reading the weights in place: each four rows take the token groups of
    /// <see cref="FusedTokensFor"/> one after another, the later groups finding the rows in L1/L2.
    /// </summary>
    public virtual void FusedRows(WeightMatrix w, int row0, int row1, float* x, int tokens, float* y, int yStride)
    {
        int group = FusedTokensFor(w.Format);
        for (int row = row0; row < row1; row += 4)
        {
            for (int t = 0, n; t < tokens; t += n)
            {
                n = TokenGroup(tokens - t, group);
                float* xt = x + (long)t * w.Columns;
                float* yt = y + (long)t * yStride + row;
                if (n == 1)
                {
                    MatVec4(w, row, xt, yt);
                }
                else
                {
                    MatVec4Tokens(w, row, xt, n, yt, yStride);
                }
            }
        }
    }

    /// <summary>
    /// The next token group's size when <paramref name="left"/> tokens are left, in groups of up to
    /// <paramref name="group"/>: a group of one pays a whole decode for one token's FMAs, so one
    /// more than a group (past pairs) splits in two.
    /// </summary>
    protected static int TokenGroup(int left, int group) => left == group + 1 && group > 2 ? group - 1 : Math.Min(group, left);

    /// <summary>
    /// Rows <paramref name="row0"/>..+3 of W times 2..<see cref="FusedTokensFor"/> input rows (stride
    /// Columns, this path's layout) into y[t·yStride + r]: weights read once for all the tokens.
    /// </summary>
    public virtual void MatVec4Tokens(WeightMatrix w, int row0, float* x, int tokens, float* y, int yStride) =>
        throw new NotSupportedException($"{Isa} has no multi-token matvec.");

    /// <summary>
    /// Decodes rows row0..row0+count−1, columns k0..k0+length−1 (k0 a multiple of 128) into
    /// <paramref name="destination"/> (row stride <paramref name="destinationStride"/>) in this path's layout.
    /// </summary>
    public void DecodeRows(WeightMatrix w, int row0, int count, int k0, int length, float* destination, int destinationStride)
    {
        for (int r = 0; r < count; r++)
        {
            DecodeRow(w, row0 + r, k0, length, destination + (long)r * destinationStride);
        }
    }

    /// <summary>Decodes part of one row in this path's layout; natural order unless overridden.</summary>
    protected virtual void DecodeRow(WeightMatrix w, int row, int k0, int length, float* destination)
    {
        if (w.Format == WeightFormat.Float16)
        {
            HalfRows.Decode((ushort*)w.Data + (long)row * w.Columns + k0, length, destination, Prefetch.DecodeAhead(w));
            return;
        }
        if (w.Format != WeightFormat.Float32 || !Sse.IsSupported)
        {
            ScalarDecoder.Decode(w, row, k0, length, destination);
            return;
        }
        // A plain copy, with the prefetch a tile decode needs (see Prefetch.DecodeAhead).
        float* source = (float*)w.Data + (long)row * w.Columns + k0;
        nint ahead = Prefetch.DecodeAhead(w);
        int k = 0;
        for (; k <= length - 16; k += 16)
        {
            Prefetch.Line(source + k, ahead);
            Vector256.Load(source + k).Store(destination + k);
            Vector256.Load(source + k + 8).Store(destination + k + 8);
        }
        for (; k < length; k++)
        {
            destination[k] = source[k];
        }
    }

    /// <summary>
    /// Stores [row r, token t] sums of two rows × two tokens, ordered [r0 t0, r1 t0, r0 t1, r1 t1]
    /// (as <see cref="Reduce"/> sums four accumulators), at y[t·yStride + r].
    /// </summary>
    protected static void StoreTwoRowsTwoTokens(Vector128<float> sums, float* y, long yStride)
    {
        y[0] = sums[0];
        y[1] = sums[1];
        y[yStride] = sums[2];
        y[yStride + 1] = sums[3];
    }

    /// <summary>
    /// Dequantizes int4 scales [first, first+count) of rows row0..row0+rows−1 into scratch rows of
    /// <paramref name="stride"/> floats, each padded with 16 zeros for whole-vector reads.
    /// </summary>
    protected static float* Int4Scales(WeightMatrix w, int row0, int rows, int first, int count, out int stride)
    {
        stride = (count + 16 + 15) & ~15;
        float* scratch = Scratch.Current.Get(ScratchSlot.Scales, (long)rows * stride);
        for (int r = 0; r < rows; r++)
        {
            ushort* source = (ushort*)w.Scales + (long)(row0 + r) * w.Shape.ScaleColumns + first;
            float* destination = scratch + (long)r * stride;
            int g = 0;
            for (; g <= count - 8; g += 8)
            {
                var (low, high) = Vector128.Widen(Vector128.Load(source + g));
                (low << 16).AsSingle().Store(destination + g);
                (high << 16).AsSingle().Store(destination + g + 4);
            }
            for (; g < count; g++)
            {
                destination[g] = FloatBits.BFloat16ToSingle(source[g]);
            }
            new Span<float>(destination + count, 16).Clear();
        }
        return scratch;
    }
}
