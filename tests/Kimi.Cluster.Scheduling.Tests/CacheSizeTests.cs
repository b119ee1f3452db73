namespace Kimi.Cluster.Scheduling.Tests;

public sealed class CacheSizeTests
{
    [Fact]
    public void FromTokens_RoundsDownToWholeBlocks()
    {
        var size = CacheSize.FromTokens(1000, 16);
        Assert.Equal(62, size.Blocks);
        Assert.Equal(16, size.BlockSize);
        Assert.Equal(992, size.Tokens);
    }

    [Fact]
    public void FromBytes_UsesTheMlaLatentSizePerToken()
    {
        // Kimi K2: kv_lora_rank 512, qk_rope_head_dim 64, 61 layers, bf16.
        var perToken = CacheSize.MlaBytesPerToken(512, 64, 61, 2);
        Assert.Equal(576 * 61 * 2, perToken);
        var size = CacheSize.FromBytes(perToken * 64 * 100 + 5, perToken, 64);
        Assert.Equal(100, size.Blocks);
    }

    [Fact]
    public void CacheSize_RefusesLessThanOneBlock()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CacheSize.FromTokens(15, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => CacheSize.FromBytes(100, 0, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CacheSize(0, 16));
    }
}
