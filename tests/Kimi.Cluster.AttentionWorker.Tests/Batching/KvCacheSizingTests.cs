using Kimi.Cluster.AttentionWorker.Batching;

namespace Kimi.Cluster.AttentionWorker.Tests.Batching;

public sealed class KvCacheSizingTests
{
    [Fact]
    public void Bytes_BecomeTokens_OfTheModelsMlaRows()
    {
        // Built-in tiny model: (kv_lora_rank 32 + rope 8) floats × 3 layers × 4 bytes = 480 bytes per token.
        Assert.Equal(100, KvCacheSizing.TokensFor(48_000, modelDirectory: null));
        Assert.Equal(100, KvCacheSizing.TokensFor(48_479, modelDirectory: null));
    }
}
