using System.Runtime.Intrinsics;
using Kimi.Cluster.Kernels.Isa;

namespace Kimi.Cluster.Kernels.Core;

/// <summary>
/// Computes y[t, r] = Σ_i x[t, i]·W[r, i] for a range of rows and all tokens: the one routine every
/// job (plain matmul, expert gate/up, expert down) runs per work item. Up to a few tokens use the
/// fused matvecs that read weights in place (memory-bound decode); more tokens decode a tile of
/// rows × a depth chunk to float32 once and multiply it with every token (compute-bound): as
/// panels of 32 rows by an outer-product kernel where the path has one (AVX-512), else as
/// register-blocked dots. Either way each weight byte is read once per call.
/// </summary>
internal static unsafe class RowKernel
{
    /// <summary>Columns decoded at a time: a multiple of every layout chunk (128 columns).</summary>
    public const int DepthChunk = 1024;

    /// <summary>Rows decoded at a time: 64 × 1040 floats stay in L2.</summary>
    public const int TileRows = 64;

    /// <summary>Tokens served per decode, bounding the input rows streamed per tile.</summary>
    public const int TokenBlock = 256;

    // Padding the row stride off a power of two keeps the four rows of a dot from 4 KiB aliasing.
    private const int TileStride = DepthChunk + 16;

    /// <summary>
    /// Rows [r0, r1) for <paramref name="tokens"/> input rows of <paramref name="x"/> (in the ISA's
    /// layout, stride Columns) into y[t·yStride + r]. Callers keep r0 a multiple of 4 so every row is
    /// computed the same way whatever the split into items.
    /// </summary>
    public static void Compute(IsaKernels isa, WeightMatrix w, float* x, int tokens, float* y, int yStride, int r0, int r1)
    {
        bool single = tokens == 1 && isa.HasMatVec(w.Format);
        if (single || (tokens > 1 && tokens <= isa.FusedTokenLimit(w)))
        {
            // Few tokens: read the weights in place, four rows at a time; leftover rows (only at
            // the matrix's end) take the tile.
            int whole = r0 + (r1 - r0) / 4 * 4;
            if (single)
            {
                isa.MatVecRows(w, r0, whole, x, y);
            }
            else
            {
                isa.FusedRows(w, r0, whole, x, tokens, y, yStride);
            }
            r0 = whole;
        }
        for (int start = r0; start < r1; start += TileRows)
        {
            Tile(isa, w, x, tokens, y, yStride, start, Math.Min(TileRows, r1 - start));
        }
    }

    private static void Tile(IsaKernels isa, WeightMatrix w, float* x, int tokens, float* y, int yStride, int r0, int rows)
    {
        // Panels take 32 rows, the dots four; rows past this tile's are zero: their sums are
        // computed, never stored.
        int block = isa.PanelTokens > 0 ? IsaKernels.PanelRows : 4;
        int padded = (rows + block - 1) / block * block;
        float* tile = Scratch.Current.Get(ScratchSlot.Tile, (long)padded * TileStride);
        new Span<float>(tile + (long)rows * TileStride, (padded - rows) * TileStride).Clear();
        for (int t0 = 0; t0 < tokens; t0 += TokenBlock)
        {
            int t1 = Math.Min(tokens, t0 + TokenBlock);
            for (int k0 = 0; k0 < w.Columns; k0 += DepthChunk)
            {
                int length = Math.Min(DepthChunk, w.Columns - k0);
                isa.DecodeRows(w, r0, rows, k0, length, tile, TileStride);
                if (isa.PanelTokens > 0)
                {
                    PanelTile(isa, tile, padded, x + k0, w.Columns, t0, t1, length, y + r0, yStride, rows, k0 == 0);
                }
                else
                {
                    DotTile(isa, tile, padded, x + k0, w.Columns, t0, t1, length, y + r0, yStride, rows, k0 == 0);
                }
            }
        }
    }

    // The tile as panels: each 32 decoded rows transposed once, then multiplied with every token
    // a few at a time. The bench model's prefill of 64 prompts (bf16) ran 15-17% faster than
    // with the dots, whose horizontal sums and a vector load per two multiply-adds kept them near
    // 70% of the cores' FMA peak.
    private static void PanelTile(
        IsaKernels isa, float* tile, int padded, float* x, int xStride, int t0, int t1, int length,
        float* y, int yStride, int rows, bool first)
    {
        const int panelRows = IsaKernels.PanelRows;
        float* panel = Scratch.Current.Get(ScratchSlot.Panel, (long)panelRows * DepthChunk);
        float* sums = Scratch.Current.Get(ScratchSlot.PanelSums, (long)isa.PanelTokens * panelRows);
        int perDot = isa.PanelTokens;
        for (int p = 0; p < padded; p += panelRows)
        {
            isa.PackPanel(tile + (long)p * TileStride, TileStride, length, panel);
            int panelRowsHere = Math.Min(panelRows, rows - p);
            for (int t = t0; t < t1; t += perDot)
            {
                int n = Math.Min(perDot, t1 - t);
                float* xt = x + (long)t * xStride, yt = y + (long)t * yStride + p;
                if (panelRowsHere == panelRows)
                {
                    isa.PanelDot(panel, length, xt, xStride, n, yt, yStride, first);
                }
                else
                {
                    // A partial panel (an item or a matrix ends in it): its sums land apart, and only its rows are kept.
                    isa.PanelDot(panel, length, xt, xStride, n, sums, panelRows, first: true);
                    Store(sums, panelRows, n, yt, yStride, panelRowsHere, first);
                }
            }
        }
    }

    private static void DotTile(
        IsaKernels isa, float* tile, int padded, float* x, int xStride, int t0, int t1, int length,
        float* y, int yStride, int rows, bool first)
    {
        float* result = stackalloc float[16];
        int perDot = isa.TokensPerDot;
        for (int t = t0; t < t1;)
        {
            int n = Math.Min(perDot, t1 - t);
            float* xt = x + (long)t * xStride;
            for (int rb = 0; rb < padded; rb += 4)
            {
                if (n > 1)
                {
                    isa.Dot4(tile + rb * TileStride, TileStride, xt, xStride, n, length, result);
                }
                else
                {
                    isa.Dot4x1(tile + rb * TileStride, TileStride, xt, length, result);
                }
                Store(result, n, y + (long)t * yStride + rb, yStride, Math.Min(4, rows - rb), first);
            }
            t += n;
        }
    }

    // The first rows of per-token sums (stride sumsStride) into y.
    private static void Store(float* sums, int sumsStride, int tokens, float* y, int yStride, int rows, bool first)
    {
        for (int t = 0; t < tokens; t++)
        {
            float* yt = y + (long)t * yStride, st = sums + (long)t * sumsStride;
            for (int r = 0; r < rows; r++)
            {
                yt[r] = first ? st[r] : yt[r] + st[r];
            }
        }
    }

    private static void Store(float* result, int tokens, float* y, int yStride, int rows, bool first)
    {
        if (rows == 4)
        {
            // Every block but a matrix's last: a vector per token (the scalar loop alone took 3% of
            // the attention worker's time with 64 requests in flight). The same adds, so the same sums.
            for (int t = 0; t < tokens; t++)
            {
                float* yt = y + (long)t * yStride;
                var sums = Vector128.Load(result + t * 4);
                (first ? sums : Vector128.Load(yt) + sums).Store(yt);
            }
            return;
        }
        Store(result, 4, tokens, y, yStride, rows, first);
    }
}
