namespace Kimi.Cluster.Model.Layers;

/// <summary>How MLA attends over the cached latents; both give the same result.</summary>
public enum MlaForm
{
    /// <summary>Expand every cached latent into per-head keys and values with kv_b_proj, then attend.</summary>
    Naive,
    /// <summary>Fold kv_b_proj into the query and output sides and attend in latent space (the fast path).</summary>
    Absorbed,
}
