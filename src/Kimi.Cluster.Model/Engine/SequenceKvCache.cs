using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Layers;

namespace Kimi.Cluster.Model.Engine;

/// <summary>A sequence's latent KV cache across all layers; its length is the number of cached positions.</summary>
public sealed class SequenceKvCache(ModelConfig config) : ISequenceCache, IDisposable
{
    public IReadOnlyList<LayerKvCache> Layers { get; } = Enumerable.Range(0, config.NumHiddenLayers)
        .Select(_ => new LayerKvCache(config.KvLoraRank, config.QkRopeHeadDim)).ToArray();

    public long Length => Layers[0].Length;

    public ILayerCache Layer(int layer) => Layers[layer];

    public void Dispose()
    {
        foreach (var layer in Layers)
            layer.Dispose();
    }
}
