using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Caching;

/// <summary>
/// One sequence's MLA cache in one layer: append the step's rows, then read every cached row
/// (the step's included), since attention runs over the whole cache. A row is the normalised
/// latent (kv_lora_rank floats) followed by the rotated rope key (qk_rope_head_dim floats).
/// </summary>
public interface ILayerCache
{
    /// <summary>Appends the step's rows: n rows of kv_lora_rank + qk_rope_head_dim floats, one after another.</summary>
    void Append(ReadOnlySpan<float> rows);

    /// <summary>Every cached row in position order, [Length, width] (a view or a gathered copy); valid until the next append.</summary>
    Tensor All { get; }

    /// <summary>Where the cached rows live, for kernels that read them in place; valid until the next append.</summary>
    CachedRows Rows { get; }
}

/// <summary>
/// A contiguous float32 pool of cache rows [pool rows, width] and the pool row of each cached
/// position 0..Length−1: several sequences' rows may share one pool (the paged cache).
/// </summary>
public sealed record CachedRows(Tensor Pool, int[] Slots);
