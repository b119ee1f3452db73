using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.RoutedExperts;

/// <summary>Every routed expert in this process (the single-process path, `--expert-workers 0`).</summary>
public sealed class LocalRoutedExperts(ModelConfig config, IWeightSource weights) : IRoutedExperts
{
    private readonly ExpertGroup _all = new(config, weights, Enumerable.Range(0, config.NRoutedExperts));

    public IPendingExperts Dispatch(int layer, Tensor x, ExpertRouting routing) => new Pending(this, layer, x, routing);

    public void Dispose() => _all.Dispose();

    /// <summary>In process there is nothing to overlap with: the work happens at combine.</summary>
    private sealed class Pending(LocalRoutedExperts owner, int layer, Tensor x, ExpertRouting routing) : IPendingExperts
    {
        public Tensor Combine() => owner._all.Compute(layer, x, routing.Assignments());
    }
}
