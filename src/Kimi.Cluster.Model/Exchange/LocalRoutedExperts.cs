using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.RoutedExperts;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Exchange;

/// <summary>
/// Every routed expert in this process (the single-process path, `--expert-workers 0`): the same
/// <see cref="ExpertWork"/> as the remote path, computed here, so only the transport differs.
/// </summary>
public sealed class LocalRoutedExperts(ModelConfig config, IWeightSource weights) : IRoutedExperts
{
    private readonly ExpertGroup _all = new(config, weights, Enumerable.Range(0, config.NRoutedExperts));

    public bool ComputesElsewhere => false;

    public IPendingExperts Dispatch(int layer, Tensor x, ExpertRouting routing, CancellationToken cancellation = default) =>
        new Pending(this, layer, x, routing, shared: null);

    /// <summary>
    /// The shared expert joins the routed ones in one grouped kernel call (two pool dispatches a
    /// layer instead of four, and one longer stream of weights) when it has their shape; a shared
    /// expert of another width (n_shared_experts &gt; 1) runs on its own.
    /// </summary>
    public IPendingExperts DispatchWithShared(int layer, Tensor x, ExpertRouting routing, SwiGluMlp shared, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(shared);
        return shared.Weights.Hidden == config.HiddenSize && shared.Weights.Intermediate == config.MoeIntermediateSize
            ? new Pending(this, layer, x, routing, shared.Weights)
            : SharedExpertAlongside.Dispatch(this, layer, x, routing, shared, cancellation);
    }

    public void Dispose() => _all.Dispose();

    /// <summary>In process there is nothing to overlap with: the work happens at combine.</summary>
    private sealed class Pending(LocalRoutedExperts owner, int layer, Tensor x, ExpertRouting routing, ExpertWeights? shared) : IPendingExperts
    {
        public Tensor Combine()
        {
            int tokens = (int)x.size(0), hidden = (int)x.size(1);
            var work = ExpertWork.Routed(layer, hidden, TensorMemory.ToFloats(x), routing);
            var sums = empty(tokens, hidden);
            if (shared is null)
                owner._all.Compute(work, TensorMemory.Floats(sums));
            else
                owner._all.ComputeWithShared(work, shared, TensorMemory.Floats(sums));
            return sums;
        }
    }
}
