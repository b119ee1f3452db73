namespace Kimi.Cluster.Scheduling;

/// <summary>
/// The size of the KV-cache pool: how many blocks of how many tokens. Owns the conversion from
/// a budget in tokens or in bytes to whole blocks (a partial block is of no use, so it rounds down).
/// </summary>
public sealed record CacheSize
{
    public CacheSize(int blocks, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        Blocks = blocks;
        BlockSize = blockSize;
    }

    /// <summary>How many blocks the pool holds.</summary>
    public int Blocks { get; }

    /// <summary>How many tokens one block holds.</summary>
    public int BlockSize { get; }

    /// <summary>How many tokens the whole pool holds.</summary>
    public long Tokens => (long)Blocks * BlockSize;

    /// <summary>A pool of <paramref name="tokens"/> tokens, rounded down to whole blocks.</summary>
    public static CacheSize FromTokens(long tokens, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        var blocks = tokens / blockSize;
        if (blocks == 0)
            throw new ArgumentOutOfRangeException(nameof(tokens), tokens, $"Fewer tokens than one block of {blockSize}.");
        // Block ids are ints; a pool beyond that is not a real configuration.
        return new CacheSize(checked((int)blocks), blockSize);
    }

    /// <summary>A pool that fits in <paramref name="bytes"/>, at <paramref name="bytesPerToken"/> per token.</summary>
    public static CacheSize FromBytes(long bytes, long bytesPerToken, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerToken);
        return FromTokens(bytes / bytesPerToken, blockSize);
    }

    /// <summary>
    /// Bytes one token takes in an MLA latent cache: the normalised latent (kv_lora_rank) and the
    /// rotated rope key (qk_rope_head_dim), in every layer.
    /// </summary>
    public static long MlaBytesPerToken(int kvLoraRank, int qkRopeHeadDim, int layers, int elementSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kvLoraRank);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(qkRopeHeadDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(elementSize);
        return (long)(kvLoraRank + qkRopeHeadDim) * layers * elementSize;
    }
}
