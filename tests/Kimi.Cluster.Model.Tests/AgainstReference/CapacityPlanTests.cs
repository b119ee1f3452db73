using System.Text.Json;
using Kimi.Cluster.Model.Configuration.Capacity;

namespace Kimi.Cluster.Model.Tests.AgainstReference;

/// <summary>
/// The capacity plan, made from config.json alone, equals what a loaded worker actually holds,
/// form by form (its resident-bytes report), for dense (bf16 and F16), INT4 and FP8 checkpoints.
/// </summary>
public sealed class CapacityPlanTests(ReferenceCases cases) : IClassFixture<ReferenceCases>
{
    [Theory]
    [InlineData("kimi_k2")]
    [InlineData("kimi_k2_f16")]
    [InlineData("deepseek_v3")]
    [InlineData("kimi_k25")]
    [InlineData("kimi_k2_q_proj")]
    [InlineData("kimi_k2_thinking_int4")]
    [InlineData("kimi_k25_int4")]
    [InlineData("kimi_k2_int4_g128")]
    [InlineData("kimi_k2_instruct_fp8")]
    [InlineData("deepseek_v3_fp8")]
    public void CapacityPlan_EqualsTheBytesTheWorkerHolds_WhenPlanningOneAttentionWorker(string name)
    {
        var c = cases.Get(name);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(c.Directory, "config.json")));
        string? dtype = json.RootElement.TryGetProperty("torch_dtype", out var value) ? value.GetString() : null;

        var plan = CapacityPlanner.Plan(c.Engine.Config, dtype, new CapacityOptions());

        var worker = Assert.Single(plan.Processes);
        Assert.Equal(c.Engine.Resident.ByForm.Where(p => p.Value != 0).ToDictionary(), worker.WeightBytesByForm.ToDictionary());
        Assert.Equal(c.Engine.Config.NRoutedExperts, worker.Experts);
    }
}
