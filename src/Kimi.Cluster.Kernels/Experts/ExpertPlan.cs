namespace Kimi.Cluster.Kernels.Experts;

/// <summary>
/// Assignments grouped by expert (a stable counting sort), and the work items of one phase:
/// (expert slot, row tile) pairs over all used experts, so a phase is one pool dispatch.
/// Integers only; reused per calling thread, so its arrays only grow.
/// </summary>
internal sealed class ExpertPlan
{
    private int[] _counts = [];

    /// <summary>Assignment indices ordered by expert; positions start..end of a slot are its tokens.</summary>
    public int[] Order { get; private set; } = [];

    /// <summary>The token of each position's assignment.</summary>
    public int[] PositionToken { get; private set; } = [];

    /// <summary>Expert id of each used-expert slot.</summary>
    public int[] SlotExpert { get; private set; } = [];

    /// <summary>First position of each slot in <see cref="Order"/>; SlotStart[Slots] = assignment count.</summary>
    public int[] SlotStart { get; private set; } = [];

    /// <summary>Used experts.</summary>
    public int Slots { get; private set; }

    /// <summary>Slot of each work item.</summary>
    public int[] ItemSlot { get; private set; } = [];

    /// <summary>First row of each work item.</summary>
    public int[] ItemRow { get; private set; } = [];

    /// <summary>Rows per work item of each slot (a multiple of 4).</summary>
    public int[] SlotRowsPerItem { get; private set; } = [];

    /// <summary>Groups <paramref name="assignments"/> by expert id (0..experts−1).</summary>
    public void Group(ReadOnlySpan<ExpertAssignment> assignments, int experts)
    {
        _counts = Grow(_counts, experts + 1);
        Array.Clear(_counts, 0, experts + 1);
        foreach (var a in assignments)
        {
            _counts[a.Expert]++;
        }
        SlotExpert = Grow(SlotExpert, experts);
        SlotStart = Grow(SlotStart, experts + 1);
        int slots = 0, position = 0;
        for (int e = 0; e < experts; e++)
        {
            int count = _counts[e];
            _counts[e] = position;
            if (count > 0)
            {
                SlotExpert[slots] = e;
                SlotStart[slots++] = position;
                position += count;
            }
        }
        SlotStart[slots] = position;
        Slots = slots;
        Order = Grow(Order, assignments.Length);
        for (int i = 0; i < assignments.Length; i++)
        {
            Order[_counts[assignments[i].Expert]++] = i;
        }
        PositionToken = Grow(PositionToken, assignments.Length);
        for (int at = 0; at < assignments.Length; at++)
        {
            PositionToken[at] = assignments[Order[at]].Token;
        }
    }

    /// <summary>
    /// Splits <paramref name="rows"/> rows of every used expert into items; returns the item count.
    /// Items hold about equal bytes, some four per thread: an expert whose rows are dearer (a bf16
    /// shared expert beside INT4 routed ones) gets shorter items, so the threads, which split the
    /// items evenly by count before they steal, finish together. <paramref name="slotRowBytes"/>
    /// gives each slot's bytes per row. <paramref name="maxRowsPerItem"/> bounds an item: one
    /// decoded tile when many tokens share an expert (compute-bound, balanced by small items), a
    /// whole expert's matrix when few tokens do (memory-bound: each item then streams one long
    /// contiguous range).
    /// </summary>
    public int PlanItems(int rows, int threads, int maxRowsPerItem, ReadOnlySpan<long> slotRowBytes)
    {
        long totalBytes = 0;
        for (int slot = 0; slot < Slots; slot++)
        {
            totalBytes += rows * slotRowBytes[slot];
        }
        long itemBytes = Math.Max(1, (totalBytes + threads * 4 - 1) / (threads * 4));
        SlotRowsPerItem = Grow(SlotRowsPerItem, Slots);
        int items = 0;
        for (int slot = 0; slot < Slots; slot++)
        {
            // With one row size this is ⌈rows · slots / (threads · 4)⌉, a multiple of 4.
            long perItem = Math.Min(maxRowsPerItem, (itemBytes + slotRowBytes[slot] - 1) / Math.Max(1, slotRowBytes[slot]));
            SlotRowsPerItem[slot] = Math.Max(4, ((int)perItem + 3) & ~3);
            items += (rows + SlotRowsPerItem[slot] - 1) / SlotRowsPerItem[slot];
        }
        ItemSlot = Grow(ItemSlot, items);
        ItemRow = Grow(ItemRow, items);
        int item = 0;
        for (int slot = 0; slot < Slots; slot++)
        {
            for (int row = 0; row < rows; row += SlotRowsPerItem[slot], item++)
            {
                ItemSlot[item] = slot;
                ItemRow[item] = row;
            }
        }
        return item;
    }

    private static int[] Grow(int[] array, int length) => array.Length >= length ? array : new int[length];
}
