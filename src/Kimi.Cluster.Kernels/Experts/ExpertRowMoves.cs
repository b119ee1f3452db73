using Kimi.Cluster.Kernels.Core;
using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Experts;

/// <summary>
/// Two of the routed-expert call's data moves, over the pool when they are big: each position's
/// token row copied into the experts' inputs (in position order), and the hidden rows laid out
/// for the down projection. With 64 tokens of 8 experts each they move 2 MB and 0.5 MB a layer;
/// on the engine thread alone, while the other kernel threads waited, they took about 120 and
/// 55 µs of each expert call, split over two threads 70 and 32 (the bench model's 64-sequence
/// decode step; each move timed in place, two runs of each form, alternated). The tokens' own
/// layout and the weighted sum of the outputs stay on the engine thread: split over two threads
/// (by tokens, and by columns) they took 50-60 against 42-46 µs and 107-129 against 92-95 µs.
/// Moves under <see cref="PoolFloats"/> (a few tokens: batch-1 decode) run inline, where a
/// dispatch costs more than the copy. Only data moves, so the outputs are the same bits either way.
/// With the hidden layout's permutes (<see cref="InputLayout"/>), 64-sequence decode steps of the INT4 bench
/// model, alternated in one process with the moves inline and the layout by gathers, took
/// 0.968-0.992 of the old median step (four rounds); batch-1 steps 0.983-0.997.
/// </summary>
internal sealed unsafe class ExpertRowMoves : IWorkItems
{
    /// <summary>Floats a move handles before it is worth a pool dispatch (256 KB).</summary>
    internal const long PoolFloats = 64 * 1024;

    private enum Move
    {
        CopyInputs,
        LayOutHidden,
    }

    private Move _move;
    private int _units;
    private int _items;
    private int _width;
    private ExpertPlan? _plan;
    private InputLayout[]? _slotLayouts;
    private InputLayout _shared;
    private float* _source;
    private float* _destination;
    private float* _laidOut;

    /// <summary>
    /// Each position's token row into <paramref name="inputs"/> (position order): from
    /// <paramref name="laidOut"/> where its slot's layout is <paramref name="shared"/>, else laid out
    /// from <paramref name="x"/> in the slot's own (<paramref name="slotLayouts"/>).
    /// </summary>
    public void CopyInputs(WorkerPool pool, ExpertPlan plan, InputLayout[] slotLayouts, InputLayout shared,
        float* x, float* laidOut, float* inputs, int width)
    {
        (_plan, _slotLayouts, _shared, _width) = (plan, slotLayouts, shared, width);
        _source = x;
        _laidOut = laidOut;
        _destination = inputs;
        int positions = plan.SlotStart[plan.Slots];
        Run(pool, Move.CopyInputs, positions, (long)positions * width);
    }

    /// <summary>Each position's row of <paramref name="hidden"/> into <paramref name="laidOut"/> in its slot's layout (<paramref name="slotLayouts"/>).</summary>
    public void LayOutHidden(WorkerPool pool, ExpertPlan plan, InputLayout[] slotLayouts, float* hidden, float* laidOut, int width)
    {
        (_plan, _slotLayouts, _width) = (plan, slotLayouts, width);
        _source = hidden;
        _destination = laidOut;
        int positions = plan.SlotStart[plan.Slots];
        Run(pool, Move.LayOutHidden, positions, (long)positions * width);
    }

    /// <summary>Positions [0, <paramref name="units"/>) in ranges: two a thread over the pool, or one inline.</summary>
    private void Run(WorkerPool pool, Move move, int units, long floats)
    {
        _move = move;
        _units = units;
        bool parallel = pool.ThreadCount > 1 && floats >= PoolFloats && units > 1;
        _items = parallel ? Math.Min(units, 2 * pool.ThreadCount) : 1;
        try
        {
            if (parallel)
            {
                pool.Run(this, _items);
            }
            else
            {
                Execute(0);
            }
        }
        finally
        {
            _plan = null;
            _slotLayouts = null;
        }
    }

    public void Execute(int item)
    {
        var (first, end) = WorkerPool.RunOf(item, _items, _units);
        if (_move == Move.CopyInputs)
        {
            CopyInputs(first, end);
        }
        else
        {
            LayOutHidden(first, end);
        }
    }

    private void CopyInputs(int first, int end)
    {
        var plan = _plan!;
        int width = _width;
        for (int slot = SlotOf(plan, first), position = first; position < end; slot++)
        {
            var layout = _slotLayouts![slot];
            int slotEnd = Math.Min(end, plan.SlotStart[slot + 1]);
            for (; position < slotEnd; position++)
            {
                long token = plan.PositionToken[position];
                float* target = _destination + (long)position * width;
                if (layout == _shared)
                {
                    Buffer.MemoryCopy(_laidOut + token * width, target, 4L * width, 4L * width);
                }
                else
                {
                    layout.ApplyRow(_source + token * width, target, width);
                }
            }
        }
    }

    private void LayOutHidden(int first, int end)
    {
        var plan = _plan!;
        for (int slot = SlotOf(plan, first), position = first; position < end; slot++)
        {
            int slotEnd = Math.Min(end, plan.SlotStart[slot + 1]);
            long start = (long)position * _width;
            _slotLayouts![slot].Apply(_source + start, _destination + start, _width, slotEnd - position);
            position = slotEnd;
        }
    }

    /// <summary>The slot holding <paramref name="position"/>.</summary>
    private static int SlotOf(ExpertPlan plan, int position)
    {
        int slot = 0;
        while (plan.SlotStart[slot + 1] <= position)
        {
            slot++;
        }
        return slot;
    }
}
