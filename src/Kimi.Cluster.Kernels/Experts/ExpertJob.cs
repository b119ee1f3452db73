using System.Numerics;
using Kimi.Cluster.Kernels.Core;
using Kimi.Cluster.Kernels.Isa;
using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Experts;

/// <summary>
/// The grouped routed-expert SwiGLU of one MoE layer: gather each expert's tokens, then one pool
/// dispatch for gate and up together (silu·mul applied per row tile), one for down, then the
/// weighted scatter into y. Cached per calling thread, so steady-state calls allocate nothing.
/// </summary>
internal sealed unsafe class ExpertJob : IWorkItems
{
    [ThreadStatic] private static ExpertJob? t_cached;

    private readonly ExpertPlan _plan = new();
    private readonly ExpertRowMoves _moves = new();
    private InputLayout[] _gateLayouts = [];
    private InputLayout[] _downLayouts = [];
    private IsaKernels? _isa;
    private IReadOnlyList<ExpertWeights?>? _experts;
    private bool _downPhase;
    private long _phaseBytes;
    private int _hidden;
    private int _intermediate;
    private float* _inputs;   // [assignments, hidden] in the gate/up layout
    private float* _hiddenActivations;  // [assignments, intermediate]
    private float* _downInputs;  // the same in the down layout
    private float* _outputs;  // [assignments, hidden]

    /// <summary>y[t] = Σ over t's assignments of weight · down(silu(gate(x[t])) ⊙ up(x[t])); y is overwritten.</summary>
    public static void Run(
        IsaKernels isa, WorkerPool pool, long minParallelBytes, float* x, ReadOnlySpan<ExpertAssignment> assignments,
        IReadOnlyList<ExpertWeights?> experts, ExpertWeights shape, float* y, int tokens)
    {
        var job = t_cached ??= new ExpertJob();
        job._isa = isa;
        job._experts = experts;
        job._hidden = shape.Hidden;
        job._intermediate = shape.Intermediate;
        try
        {
            job.Compute(pool, minParallelBytes, x, assignments, y, tokens);
        }
        finally
        {
            job._experts = null;
        }
    }

    /// <summary>The running phase's weights: every used expert's gate and up, or their down.</summary>
    public long WeightBytes => _phaseBytes;

    public void Execute(int item)
    {
        int slot = _plan.ItemSlot[item], r0 = _plan.ItemRow[item];
        int start = _plan.SlotStart[slot], n = _plan.SlotStart[slot + 1] - start;
        var expert = Expert(slot);
        if (_downPhase)
        {
            int r1 = Math.Min(_hidden, r0 + _plan.SlotRowsPerItem[slot]);
            RowKernel.Compute(_isa!, expert.Down, _downInputs + (long)start * _intermediate, n,
                _outputs + (long)start * _hidden, _hidden, r0, r1);
            return;
        }
        int end = Math.Min(_intermediate, r0 + _plan.SlotRowsPerItem[slot]), width = end - r0;
        float* inputs = _inputs + (long)start * _hidden;
        float* gate = _hiddenActivations + (long)start * _intermediate;
        float* up = Scratch.Current.Get(ScratchSlot.ExpertUp, (long)n * width);
        RowKernel.Compute(_isa!, expert.Gate, inputs, n, gate, _intermediate, r0, end);
        // up - r0: the kernel writes row r at y[t·stride + r]; this tile keeps only its own rows.
        RowKernel.Compute(_isa!, expert.Up, inputs, n, up - r0, width, r0, end);
        for (int t = 0; t < n; t++)
        {
            SiluTimes(gate + (long)t * _intermediate + r0, up + (long)t * width, width);
        }
    }

    private void Compute(WorkerPool pool, long minParallelBytes, float* x, ReadOnlySpan<ExpertAssignment> assignments, float* y, int tokens)
    {
        _plan.Group(assignments, _experts!.Count);
        int count = assignments.Length;
        var scratch = Scratch.Current;
        _inputs = scratch.Get(ScratchSlot.ExpertInput, (long)count * _hidden);
        _hiddenActivations = scratch.Get(ScratchSlot.ExpertHidden, (long)count * _intermediate);
        _outputs = scratch.Get(ScratchSlot.ExpertOutput, (long)count * _hidden);
        if (_plan.Slots == 0)
        {
            new Span<float>(y, tokens * _hidden).Clear();
            return;
        }
        long bytes = 0;
        // Each token's input in the experts' layout once (not once per expert it goes to), then
        // copied to its positions; experts of mixed formats lay out their own rows.
        _gateLayouts = Grow(_gateLayouts, _plan.Slots);
        _downLayouts = Grow(_downLayouts, _plan.Slots);
        for (int slot = 0; slot < _plan.Slots; slot++)
        {
            var expert = Expert(slot);
            bytes += expert.StoredBytes;
            _gateLayouts[slot] = _isa!.LayoutFor(expert.Gate.Format);
            _downLayouts[slot] = _isa.LayoutFor(expert.Down.Format);
        }
        var shared = _gateLayouts[0];
        float* laidOut = x;
        if (!shared.IsIdentity)
        {
            laidOut = scratch.Get(ScratchSlot.Input, (long)tokens * _hidden);
            shared.Apply(x, laidOut, _hidden, tokens);
        }
        _moves.CopyInputs(pool, _plan, _gateLayouts, shared, x, laidOut, _inputs, _hidden);
        bool alone = pool.ThreadCount == 1 || bytes < minParallelBytes;
        // Decode-sized groups (a few tokens an expert) read weights in place: long items stream better.
        bool streaming = count <= _plan.Slots * _isa!.FusedTokens;
        Span<long> rowBytes = _plan.Slots <= 512 ? stackalloc long[_plan.Slots] : new long[_plan.Slots];
        _phaseBytes = 0;
        for (int slot = 0; slot < _plan.Slots; slot++)
        {
            rowBytes[slot] = Expert(slot).Gate.Shape.RowBytes + Expert(slot).Up.Shape.RowBytes;
            _phaseBytes += Expert(slot).Gate.StoredBytes + Expert(slot).Up.StoredBytes;
        }
        _downPhase = false;
        pool.Run(this, _plan.PlanItems(_intermediate, pool.ThreadCount, streaming ? _intermediate : RowKernel.TileRows, rowBytes), alone);
        PrepareDownInputs(pool, count, scratch);
        _phaseBytes = 0;
        for (int slot = 0; slot < _plan.Slots; slot++)
        {
            rowBytes[slot] = Expert(slot).Down.Shape.RowBytes;
            _phaseBytes += Expert(slot).Down.StoredBytes;
        }
        _downPhase = true;
        pool.Run(this, _plan.PlanItems(_hidden, pool.ThreadCount, streaming ? _hidden : RowKernel.TileRows, rowBytes), alone);
        Scatter(assignments, y, tokens);
    }

    private void PrepareDownInputs(WorkerPool pool, int count, Scratch scratch)
    {
        _downInputs = _hiddenActivations;
        bool natural = true;
        for (int slot = 0; slot < _plan.Slots; slot++)
        {
            natural &= _downLayouts[slot].IsIdentity;
        }
        if (!natural)
        {
            _downInputs = scratch.Get(ScratchSlot.ExpertHiddenLayout, (long)count * _intermediate);
            _moves.LayOutHidden(pool, _plan, _downLayouts, _hiddenActivations, _downInputs, _intermediate);
        }
    }

    private ExpertWeights Expert(int slot) => _experts![_plan.SlotExpert[slot]]!;

    private static InputLayout[] Grow(InputLayout[] layouts, int length) => layouts.Length >= length ? layouts : new InputLayout[length];

    private void Scatter(ReadOnlySpan<ExpertAssignment> assignments, float* y, int tokens)
    {
        new Span<float>(y, tokens * _hidden).Clear();
        int width = Vector<float>.Count;
        for (int position = 0; position < assignments.Length; position++)
        {
            var a = assignments[_plan.Order[position]];
            float* source = _outputs + (long)position * _hidden;
            float* target = y + (long)a.Token * _hidden;
            var weight = new Vector<float>(a.Weight);
            int i = 0;
            for (; i <= _hidden - width; i += width)
            {
                Vector.Store(Vector.Load(target + i) + weight * Vector.Load(source + i), target + i);
            }
            for (; i < _hidden; i++)
            {
                target[i] += a.Weight * source[i];
            }
        }
    }

    /// <summary>
    /// g[i] = silu(g[i])·u[i] = g[i] / (1 + e^(−g[i]))·u[i], a vector at a time (an exp per element
    /// adds up at prefill sizes). The last partial vector goes through the same vector exp, padded:
    /// MathF.Exp rounds differently, and a row would then get other bits when a split into items
    /// (which depends on the thread count and the experts in the call) put it in a tile's tail.
    /// </summary>
    private static void SiluTimes(float* g, float* u, int count)
    {
        int width = Vector<float>.Count, i = 0;
        for (; i <= count - width; i += width)
        {
            Vector.Store(SiluTimes(Vector.Load(g + i), Vector.Load(u + i)), g + i);
        }
        if (i < count)
        {
            float* gate = stackalloc float[width];
            float* up = stackalloc float[width];
            new Span<float>(g + i, count - i).CopyTo(new Span<float>(gate, width));
            new Span<float>(u + i, count - i).CopyTo(new Span<float>(up, width));
            Vector.Store(SiluTimes(Vector.Load(gate), Vector.Load(up)), gate);
            new Span<float>(gate, count - i).CopyTo(new Span<float>(g + i, count - i));
        }
    }

    private static Vector<float> SiluTimes(Vector<float> g, Vector<float> u) => g / (Vector<float>.One + Vector.Exp(-g)) * u;
}
