using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// One sequence's MLA cache in one layer: append the step's rows, then read every cached row
/// (the step's included), since attention runs over the whole cache.
/// </summary>
public interface ILayerCache
{
    /// <summary>Appends [n, kv_lora_rank] latents and [n, qk_rope_head_dim] rotated rope keys.</summary>
    void Append(Tensor latent, Tensor ropeKey);

    /// <summary>[Length, kv_lora_rank]; valid until the next append.</summary>
    Tensor Latent { get; }

    /// <summary>[Length, qk_rope_head_dim]; valid until the next append.</summary>
    Tensor RopeKey { get; }
}
