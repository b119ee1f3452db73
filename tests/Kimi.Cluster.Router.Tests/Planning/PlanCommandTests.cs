using System.Text.Json.Nodes;
using Kimi.Cluster.Model.Configuration.Capacity;
using Kimi.Cluster.Router.Planning;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.Planning;

/// <summary>`plan` on Moonshot's real K2.5 config.json, against figures computed by hand.</summary>
[Trait("Needs", "Processes")]
public sealed class PlanCommandTests
{
    private static string KimiK25Config => SharedFiles.Require("kimi-files", "kimi-vendor-verifier-beam-tokenizer", "config.json");

    // K2.5: hidden 7168, 61 layers (layer 0 dense, 18432 wide), 384 experts of width 2048, one shared
    // expert, 64 heads, q_lora 1536, kv_lora 512, nope 128 + rope 64, v 128, vocabulary 163840.
    // An INT4 (group 32) expert: three 2048×7168 matrices of nibbles plus a bf16 scale per 32 inputs.
    private const long Int4Expert = 3 * (2048L * 7168 / 2 + 2048L * 7168 / 32 * 2); // 24,772,608 bytes

    [Fact]
    public void Plan_MatchesTheHandComputedK25Bytes_WhenThereAreEightExpertWorkers()
    {
        var input = PlanInput.Read(KimiK25Config);
        var plan = CapacityPlanner.Plan(input.Config, input.DenseDtype, new CapacityOptions(ExpertWorkers: 8));

        var attention = plan.Processes[0];
        var expert = plan.Processes[1];
        Assert.Equal("bfloat16", input.DenseDtype);
        Assert.Equal(24_772_608, Int4Expert);
        // Each of 8 workers holds one shard of 384 / 8 = 48 experts in each of the 60 MoE layers.
        Assert.Equal(48, expert.Experts);
        Assert.Equal(new Dictionary<string, long> { ["INT4"] = 48 * 60 * Int4Expert }, expert.WeightBytesByForm);
        long attentionBf16 = 2 * 163840L * 7168 * 2                                          // embed_tokens and lm_head
            + 61 * (1536L * 7168 + 64 * 192L * 1536 + 576L * 7168 + 7168L * 64 * 128) * 2  // q_a, q_b, kv_a, o_proj
            + 61 * 64L * 256 * 512 * 2                                                     // kv_b_proj's per-head halves, as stored
            + 3 * 18432L * 7168 * 2                                                        // layer 0's dense MLP
            + 60 * 3 * 2048L * 7168 * 2                                                    // the shared experts
            + 60 * 384L * 7168 * 2                                                         // the routers
            // The vision tower (hidden 1152, 27 blocks, MLP 4304, 14-px patches) and the projector (4608 → 7168).
            + (1152L * 588 + 27 * (3456L * 1152 + 1152L * 1152 + 2 * 4304L * 1152) + 4608L * 4608 + 7168L * 4608) * 2;
        long attentionF32 = 61 * (2 * 7168L + 1536 + 512) * 4                                // norms
            + 60 * 384L * 4                                                                // the routers' biases
            + 7168 * 4                                                                     // final norm
            // Vision: the 64×64 position grid, the patch bias, each block's two LayerNorms and four
            // biases, the final LayerNorm, the projector's pre-norm and two biases.
            + (64L * 64 * 1152 + 1152 + 27 * (4 * 1152L + 3456 + 1152 + 4304 + 1152) + 2 * 1152 + 2 * 1152 + 4608 + 7168) * 4;
        Assert.Equal(new Dictionary<string, long> { ["BF16"] = attentionBf16, ["F32"] = attentionF32 }, attention.WeightBytesByForm);
        // The latent cache: (512 + 64) floats a layer; DESIGN's 70 KB a token is the same in bf16.
        Assert.Equal(576 * 61 * 4, attention.KvBytesPerToken);
        Assert.Equal(70_272 * 2, attention.KvBytesPerToken);
        Assert.Equal(attention.KvBytesPerToken * 65536, attention.KvBytes);
    }

    [Fact]
    public void Plan_HoldsEveryK25Int4ExpertAbout0Point57TB_WhenInOneProcess()
    {
        var input = PlanInput.Read(KimiK25Config);
        var plan = CapacityPlanner.Plan(input.Config, input.DenseDtype, new CapacityOptions(KvCacheTokens: 262144));

        var worker = Assert.Single(plan.Processes);
        Assert.Equal(384 * 60 * Int4Expert, worker.WeightBytesByForm["INT4"]);
        Assert.Equal(570_760_888_320, worker.WeightBytesByForm["INT4"]);
        Assert.Equal(140_544L * 262144, worker.KvBytes); // 256K tokens: 36.8 GB in float32 (18 GB in bf16)
    }

    [Fact]
    public async Task PlanCommand_PrintsJsonAndRefusesWhatCannotRun()
    {
        using var directory = new TempDirectory("kimi-plan");
        TinyCheckpointWriter.Write(directory.Path, TinyModelSpec.KimiK2Style);

        var (json, jsonCode) = await RunAsync("plan", "--model", directory.Path, "--expert-workers", "2", "--attention-workers", "3", "--json");
        var (text, textCode) = await RunAsync("plan", "--model", Path.Combine(directory.Path, "config.json"));
        var (missing, missingCode) = await RunAsync("plan", "--model", Path.Combine(directory.Path, "nothing-here"));
        var (replicas, replicasCode) = await RunAsync("plan", "--model", directory.Path, "--expert-workers", "2", "--expert-replicas", "3");

        Assert.Equal(0, jsonCode);
        var root = JsonNode.Parse(json)!;
        var processes = root["processes"]!.AsArray();
        Assert.Equal(["attention worker", "expert worker"], processes.Select(p => (string)p!["kind"]!));
        Assert.Equal(3, (int)processes[0]!["count"]!);
        Assert.Equal(2, (int)processes[1]!["count"]!);
        long total = processes.Sum(p => (long)p!["total_bytes"]! * (int)p["count"]!);
        Assert.Equal(total, (long)root["cluster_total_bytes"]!);
        Assert.Equal(0, textCode);
        Assert.Contains("attention worker × 1", text, StringComparison.Ordinal);
        Assert.Contains("KV cache", text, StringComparison.Ordinal);
        Assert.Equal(1, missingCode);
        Assert.Contains("no such file", missing, StringComparison.Ordinal);
        Assert.Equal(2, replicasCode);
        Assert.Contains("--expert-replicas 3 exceeds --expert-workers 2", replicas, StringComparison.Ordinal);
    }

    private static async Task<(string Output, int ExitCode)> RunAsync(params string[] arguments)
    {
        await using var router = RouterProcess.Start(arguments);
        int code = await router.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (router.Output, code);
    }
}
