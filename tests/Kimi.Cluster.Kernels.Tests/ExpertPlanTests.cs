using Kimi.Cluster.Kernels.Experts;

namespace Kimi.Cluster.Kernels.Tests;

/// <summary>How the grouped expert call splits its experts' rows into work items.</summary>
public sealed class ExpertPlanTests
{
    [Fact]
    public void PlanItems_GivesEqualExpertsEqualWholeItems_AboutFourPerThread()
    {
        var plan = Planned(experts: 8);

        int items = plan.PlanItems(rows: 256, threads: 2, maxRowsPerItem: 256, [.. Enumerable.Repeat(1024L, 8)]);

        Assert.Equal(8, items);
        Assert.All(plan.SlotRowsPerItem[..8], rows => Assert.Equal(256, rows));
    }

    [Fact]
    public void PlanItems_SplitsAnExpertWithDearerRowsIntoShorterItems_SoItemsHoldAboutEqualBytes()
    {
        // Eight INT4 experts (512 bytes a row of 1024 columns) and a bf16 shared expert (2048).
        var plan = Planned(experts: 9);
        long[] rowBytes = [.. Enumerable.Repeat(512L, 8), 2048L];

        int items = plan.PlanItems(rows: 256, threads: 2, maxRowsPerItem: 256, rowBytes);

        Assert.Equal(256, plan.SlotRowsPerItem[0]);
        Assert.True(plan.SlotRowsPerItem[8] < 256 && plan.SlotRowsPerItem[8] % 4 == 0, $"{plan.SlotRowsPerItem[8]} rows an item");
        var bytes = Enumerable.Range(0, items).Select(i => Math.Min(plan.SlotRowsPerItem[plan.ItemSlot[i]], 256 - plan.ItemRow[i]) * rowBytes[plan.ItemSlot[i]]).ToArray();
        Assert.True(bytes.Max() <= 2 * bytes.Where(b => b > 0).Average(), $"item bytes {string.Join(", ", bytes)}");
        // Every row of every slot is in exactly one item.
        for (int slot = 0; slot < 9; slot++)
        {
            var starts = Enumerable.Range(0, items).Where(i => plan.ItemSlot[i] == slot).Select(i => plan.ItemRow[i]).ToArray();
            Assert.Equal(Enumerable.Range(0, starts.Length).Select(k => k * plan.SlotRowsPerItem[slot]), starts);
            Assert.True(starts.Length * plan.SlotRowsPerItem[slot] >= 256 && (starts.Length - 1) * plan.SlotRowsPerItem[slot] < 256);
        }
    }

    private static ExpertPlan Planned(int experts)
    {
        var plan = new ExpertPlan();
        plan.Group([.. Enumerable.Range(0, experts).Select(e => new ExpertAssignment(0, e, 1f))], experts);
        return plan;
    }
}
