namespace Kimi.Cluster.Model.Caching;

/// <summary>
/// One sequence's latent KV as the attention sees it, whatever stores it (a growable
/// per-sequence tensor or blocks of a shared paged pool).
/// </summary>
public interface ISequenceCache
{
    /// <summary>The sequence's cache for decoder layer <paramref name="layer"/>.</summary>
    ILayerCache Layer(int layer);
}
