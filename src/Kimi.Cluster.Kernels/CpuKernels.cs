using System.Runtime.Intrinsics;
using Kimi.Cluster.Kernels.Attention;
using Kimi.Cluster.Kernels.Core;
using Kimi.Cluster.Kernels.Diagnostics;
using Kimi.Cluster.Kernels.Experts;
using Kimi.Cluster.Kernels.Isa;
using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels;

/// <summary>
/// The entry point of the CPU weight kernels: y = x·Wᵀ for every <see cref="WeightFormat"/> and the
/// grouped routed-expert SwiGLU, on one instruction-set path and one persistent worker pool.
/// Hides which path runs (see <see cref="Isa"/>), how rows are split over threads and all scratch.
/// Calls are synchronous; concurrent calls are safe (a call that finds the pool busy runs alone).
/// </summary>
public sealed unsafe class CpuKernels : IDisposable
{
    private static readonly object s_sharedLock = new();
    private static CpuKernels? s_shared;

    private readonly IsaKernels _isa;
    private readonly WorkerPool _pool;
    private readonly long _minParallelBytes;

    /// <summary>Starts kernels on <paramref name="options"/>' path and threads (defaults: environment, then machine).</summary>
    /// <exception cref="PlatformNotSupportedException">The requested path needs instructions this CPU lacks.</exception>
    public CpuKernels(KernelOptions? options = null)
    {
        options ??= new KernelOptions();
        _isa = IsaSupport.Create(options.ResolveIsa());
        _minParallelBytes = options.MinParallelBytes;
        _pool = new WorkerPool(options.ResolveThreads(), options.SpinMicroseconds, options.PrefetchNextCall);
    }

    /// <summary>The process-wide instance, configured from the environment on first use.</summary>
    public static CpuKernels Shared
    {
        get
        {
            lock (s_sharedLock)
            {
                return s_shared ??= new CpuKernels();
            }
        }
    }

    /// <summary>Paths this CPU can run.</summary>
    public static IReadOnlyList<KernelIsa> SupportedIsas => IsaSupport.Supported;

    /// <summary>The path chosen when neither option nor environment forces one.</summary>
    public static KernelIsa BestIsa => IsaSupport.Best;

    /// <summary>The instruction-set path this instance runs.</summary>
    public KernelIsa Isa => _isa.Isa;

    /// <summary>Threads per call, the calling thread included.</summary>
    public int ThreadCount => _pool.ThreadCount;

    internal WorkerPool Pool => _pool;

    /// <summary>
    /// Told of every kernel call made on this instance, once it returns (a decode step's timeline:
    /// see <see cref="DispatchTimeline"/>); null, the default, for serving.
    /// </summary>
    public IDispatchObserver? Observer
    {
        get => _pool.Observer;
        set => _pool.Observer = value;
    }

    /// <summary>One line for the start-up log.</summary>
    public string Description => $"CPU kernels: {Isa} path (best here: {BestIsa}), {ThreadCount} threads";

    /// <summary>Replaces <see cref="Shared"/> (the old instance is disposed): forces a path or thread count process-wide.</summary>
    public static void ConfigureShared(KernelOptions options)
    {
        var replacement = new CpuKernels(options);
        CpuKernels? old;
        lock (s_sharedLock)
        {
            old = s_shared;
            s_shared = replacement;
        }
        old?.Dispose();
    }

    /// <summary>y[t, o] = Σ_i x[t, i]·W[o, i] with x [tokens, Columns] and y [tokens, Rows], row-major.</summary>
    public void MatMul(WeightMatrix weights, ReadOnlySpan<float> x, Span<float> y, int tokens)
    {
        ArgumentNullException.ThrowIfNull(weights);
        CheckLength(x.Length, tokens, weights.Columns, weights, nameof(x));
        CheckLength(y.Length, tokens, weights.Rows, weights, nameof(y));
        fixed (float* xp = x, yp = y)
        {
            MatMulJob.Run(_isa, _pool, _minParallelBytes, weights, xp, yp, tokens);
        }
    }

    /// <summary>The same over raw memory: x holds tokens × Columns floats, y tokens × Rows.</summary>
    public void MatMul(WeightMatrix weights, float* x, float* y, int tokens)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        MatMulJob.Run(_isa, _pool, _minParallelBytes, weights, x, y, tokens);
    }

    /// <summary>
    /// Two products of the same input in one dispatch: y[t, o] = Σ_i x[t, i]·W[o, i] and
    /// ySecond[t, o] = Σ_i x[t, i]·Second[o, i], each row exactly as <see cref="MatMul(WeightMatrix, ReadOnlySpan{float}, Span{float}, int)"/>
    /// computes it. The matrices may differ in format and rows, not in columns.
    /// </summary>
    public void MatMul(WeightMatrix weights, WeightMatrix second, ReadOnlySpan<float> x, Span<float> y, Span<float> ySecond, int tokens)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(second);
        if (second.Columns != weights.Columns)
        {
            throw new ArgumentException(
                $"{second.Shape}: a pair of products shares its input, so both matrices need {weights.Columns} columns ({weights.Shape}).", nameof(second));
        }
        CheckLength(x.Length, tokens, weights.Columns, weights, nameof(x));
        CheckLength(y.Length, tokens, weights.Rows, weights, nameof(y));
        CheckLength(ySecond.Length, tokens, second.Rows, second, nameof(ySecond));
        fixed (float* xp = x, yp = y, ysp = ySecond)
        {
            MatMulJob.Run(_isa, _pool, _minParallelBytes, weights, yp, second, ysp, xp, tokens);
        }
    }

    /// <summary>
    /// One MoE layer's routed experts: y[t] = Σ over assignments (t, e, w) of
    /// w · down_e(silu(gate_e(x[t])) ⊙ up_e(x[t])). x and y are [tokens, hidden]; y is overwritten
    /// (tokens without assignments get zeros). Experts not named by any assignment may be null.
    /// </summary>
    public void ExpertSwiGlu(
        ReadOnlySpan<float> x, int tokens, ReadOnlySpan<ExpertAssignment> assignments,
        IReadOnlyList<ExpertWeights?> experts, Span<float> y)
    {
        ArgumentNullException.ThrowIfNull(experts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        var shape = ExpertChecks.Validate(tokens, assignments, experts);
        if (shape is null)
        {
            y.Clear();
            return;
        }
        CheckLength(x.Length, tokens, shape.Hidden, shape.Gate, nameof(x));
        CheckLength(y.Length, tokens, shape.Hidden, shape.Down, nameof(y));
        fixed (float* xp = x, yp = y)
        {
            ExpertJob.Run(_isa, _pool, _minParallelBytes, xp, assignments, experts, shape, yp, tokens);
        }
    }

    /// <summary>
    /// Whether the attention kernels (latent attention and the per-head products) run on 16-float
    /// vectors: with the AVX-512 path where the runtime accelerates them, else on Vector&lt;float&gt;'s width.
    /// </summary>
    private bool WideAttention => _isa.Lanes >= 16 && Vector512.IsHardwareAccelerated;

    /// <summary>
    /// MLA attention in the absorbed form, one query per token, each over its own cached rows
    /// (layouts in <see cref="LatentAttentionShape"/>): for token t and head h,
    /// score[s] = scale·(qLatent[h, t]·latent(row s) + qRope[t, h]·ropeKey(row s)) over the rows
    /// slots[t] names, and output[h, t] = Σ softmax(score)[s]·latent(row s). Tokens whose slots are
    /// null are skipped (their outputs are left as they are): another call attends them.
    /// <paramref name="rowCounts"/>, when given (one per token), limits token t to the first
    /// rowCounts[t] of its slots: a prefill token sees its sequence's rows up to its own position,
    /// so the tokens of one prompt share one slot list. Empty: every token sees all its slots
    /// (decode). A token's outputs are the same bits whichever call, batch or count of tokens it is in.
    /// </summary>
    public void LatentAttention(LatentAttentionShape shape, ReadOnlySpan<float> queryLatents, ReadOnlySpan<float> queryRopes,
        ReadOnlySpan<float> rows, IReadOnlyList<int[]?> slots, Span<float> outputs, ReadOnlySpan<int> rowCounts = default)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate(queryLatents.Length, queryRopes.Length, rows.Length, outputs.Length);
        CheckSlots(shape, rows.Length, slots, rowCounts);
        fixed (float* queryLatentsPointer = queryLatents, queryRopesPointer = queryRopes, rowsPointer = rows, outputsPointer = outputs)
        fixed (int* rowCountsPointer = rowCounts)
        {
            LatentAttentionJob.Run(_pool, WideAttention, shape, queryLatentsPointer, queryRopesPointer, rowsPointer, slots, rowCountsPointer, outputsPointer);
        }
    }

    /// <summary>
    /// MLA attention in the absorbed form, all three steps: queryLatents(h, t) =
    /// queries(t, h)·keyAbsorb[h] (<see cref="AbsorbedAttentionLayout.Keys"/>), the latent attention of
    /// <see cref="LatentAttention"/> into outputLatents, then attended(t, h) = outputLatents(h, t)·valueAbsorb[h]
    /// (<see cref="AbsorbedAttentionLayout.Values"/>). A small batch takes one pool dispatch, each
    /// item a thread's share of the heads through all three; a larger one (a prefill) takes the three calls, each
    /// split its own way. The outputs are the same bits either way. <paramref name="rowCounts"/> as
    /// for <see cref="LatentAttention"/>.
    /// </summary>
    public void AbsorbedAttention(AbsorbedAttentionLayout layout, ReadOnlySpan<float> queries, HeadWeightSpan keyAbsorb, Span<float> queryLatents,
        ReadOnlySpan<float> queryRopes, ReadOnlySpan<float> rows, IReadOnlyList<int[]?> slots, Span<float> outputLatents,
        HeadWeightSpan valueAbsorb, Span<float> attended, ReadOnlySpan<int> rowCounts = default)
    {
        ArgumentNullException.ThrowIfNull(layout);
        layout.Validate();
        // One kv_b_proj, split in two: its halves are held alike (the one-dispatch job reads both one way).
        if (keyAbsorb.Format != valueAbsorb.Format)
            throw new ArgumentException($"the key half is {keyAbsorb.Format} and the value half {valueAbsorb.Format}: both halves of kv_b_proj must be held alike", nameof(valueAbsorb));
        if (!AbsorbedAttentionJob.Suits(layout.Attention.Tokens, ThreadCount))
        {
            HeadProducts(layout.Keys, queries, keyAbsorb, queryLatents);
            LatentAttention(layout.Attention, queryLatents, queryRopes, rows, slots, outputLatents, rowCounts);
            HeadProducts(layout.Values, outputLatents, valueAbsorb, attended);
            return;
        }
        layout.Keys.Validate(queries.Length, keyAbsorb.Length, queryLatents.Length);
        layout.Attention.Validate(queryLatents.Length, queryRopes.Length, rows.Length, outputLatents.Length);
        CheckSlots(layout.Attention, rows.Length, slots, rowCounts);
        layout.Values.Validate(outputLatents.Length, valueAbsorb.Length, attended.Length);
        fixed (float* queriesPointer = queries, queryLatentsPointer = queryLatents, queryRopesPointer = queryRopes,
            rowsPointer = rows, outputLatentsPointer = outputLatents, attendedPointer = attended)
        fixed (byte* keyAbsorbPointer = keyAbsorb.Bytes, valueAbsorbPointer = valueAbsorb.Bytes)
        fixed (int* rowCountsPointer = rowCounts)
        {
            AbsorbedAttentionJob.Run(_pool, WideAttention, layout, queriesPointer, keyAbsorbPointer, queryLatentsPointer, queryRopesPointer,
                rowsPointer, slots, rowCountsPointer, outputLatentsPointer, valueAbsorbPointer, attendedPointer, keyAbsorb.Format);
        }
    }

    /// <summary>
    /// <see cref="AbsorbedAttention(AbsorbedAttentionLayout, ReadOnlySpan{float}, HeadWeightSpan, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, IReadOnlyList{int[]}, Span{float}, HeadWeightSpan, Span{float}, ReadOnlySpan{int})"/>
    /// for a caller that needs only the attended values: the query and output latents live in the
    /// calling thread's kernel scratch (a decode step then makes no buffers of its own for them).
    /// </summary>
    public void AbsorbedAttention(AbsorbedAttentionLayout layout, ReadOnlySpan<float> queries, HeadWeightSpan keyAbsorb,
        ReadOnlySpan<float> queryRopes, ReadOnlySpan<float> rows, IReadOnlyList<int[]?> slots, HeadWeightSpan valueAbsorb, Span<float> attended,
        ReadOnlySpan<int> rowCounts = default)
    {
        ArgumentNullException.ThrowIfNull(layout);
        AbsorbedAttention(layout, queries, keyAbsorb, LatentScratch(layout, ScratchSlot.QueryLatents), queryRopes, rows, slots,
            LatentScratch(layout, ScratchSlot.OutputLatents), valueAbsorb, attended, rowCounts);
    }

    // The latents' floats at the layout's strides, in the calling thread's scratch (none for a layout that validation will refuse).
    private static Span<float> LatentScratch(AbsorbedAttentionLayout layout, ScratchSlot slot)
    {
        var shape = layout.Attention;
        long count = shape.Heads <= 0 || shape.Tokens <= 0 || shape.LatentWidth <= 0 ? 0 : Math.Max(0, shape.LatentExtent);
        return new Span<float>(Scratch.Current.Get(slot, count), checked((int)count));
    }

    /// <summary>
    /// Per-head products y(t, h, ·) = Σ_i x(t, h, i)·W[h, i, ·] over the strided layouts of
    /// <paramref name="layout"/>, W row-major [heads, inputs, outputs], float32 or bf16
    /// (<see cref="HeadWeightSpan"/>): a batched product for the few tokens of a decode step, threaded over heads.
    /// </summary>
    public void HeadProducts(HeadProductLayout layout, ReadOnlySpan<float> x, HeadWeightSpan weights, Span<float> y)
    {
        ArgumentNullException.ThrowIfNull(layout);
        layout.Validate(x.Length, weights.Length, y.Length);
        fixed (float* xPointer = x, yPointer = y)
        fixed (byte* weightsPointer = weights.Bytes)
        {
            Attention.HeadProducts.Run(_pool, WideAttention, layout, xPointer, weightsPointer, weights.Format, yPointer);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _pool.Dispose();

    private static void CheckSlots(LatentAttentionShape shape, int rowFloats, IReadOnlyList<int[]?> slots, ReadOnlySpan<int> rowCounts)
    {
        ArgumentNullException.ThrowIfNull(slots);
        if (slots.Count != shape.Tokens)
            throw new ArgumentException($"Latent attention: {slots.Count} slot lists for {shape.Tokens} tokens.", nameof(slots));
        if (!rowCounts.IsEmpty && rowCounts.Length != shape.Tokens)
            throw new ArgumentException($"Latent attention: {rowCounts.Length} row counts for {shape.Tokens} tokens.", nameof(rowCounts));
        int rowCount = rowFloats / shape.RowWidth;
        int[]? checkedSlots = null; // a prompt's tokens share one list: its rows are checked once
        for (int t = 0; t < slots.Count; t++)
        {
            if (slots[t] is not { } tokenSlots)
                continue;
            int seen = rowCounts.IsEmpty ? tokenSlots.Length : rowCounts[t];
            if (seen <= 0 || seen > tokenSlots.Length)
            {
                throw new ArgumentException(seen == 0 || tokenSlots.Length == 0
                    ? $"Latent attention: token {t} has no cached rows to attend to."
                    : $"Latent attention: token {t} is to see {seen} of its {tokenSlots.Length} rows.", nameof(slots));
            }
            if (ReferenceEquals(tokenSlots, checkedSlots))
                continue;
            foreach (int slot in tokenSlots)
            {
                if ((uint)slot >= (uint)rowCount)
                    throw new ArgumentException($"Latent attention: token {t} names row {slot} of a cache of {rowCount} rows.", nameof(slots));
            }
            checkedSlots = tokenSlots;
        }
    }

    private static void CheckLength(int length, int tokens, int width, WeightMatrix weights, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        if (length != (long)tokens * width)
        {
            throw new ArgumentException(
                $"{weights.Shape}: {name} must hold {tokens} tokens × {width} = {(long)tokens * width} floats, not {length}.", name);
        }
    }
}
