using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Batching;

/// <summary>Turns a KV cache budget in bytes into tokens for the served model's MLA cache (float32 rows).</summary>
public static class KvCacheSizing
{
    /// <summary>Tokens that fit in <paramref name="bytes"/>: each token keeps kv_lora_rank + qk_rope_head_dim floats per layer.</summary>
    public static long TokensFor(long bytes, string? modelDirectory)
    {
        var config = new ModelSource(modelDirectory).Config;
        long perToken = CacheSize.MlaBytesPerToken(config.KvLoraRank, config.QkRopeHeadDim, config.NumHiddenLayers, sizeof(float));
        return bytes / perToken;
    }
}
