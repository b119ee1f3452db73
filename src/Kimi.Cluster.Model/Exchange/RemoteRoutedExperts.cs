using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Exchange;

/// <summary>Routed experts that live in expert workers: dispatch sends the layer's work, combine waits for the sums.</summary>
public sealed class RemoteRoutedExperts(IExpertTransport transport) : IRoutedExperts
{
    public bool ComputesElsewhere => true;

    public IPendingExperts Dispatch(int layer, Tensor x, ExpertRouting routing, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(routing);
        int tokens = (int)x.size(0), hidden = (int)x.size(1);
        var work = ExpertWork.Routed(layer, hidden, TensorMemory.ToFloats(x), routing);
        return new Pending(transport.ExchangeAsync(work, cancellation), tokens, hidden);
    }

    public IPendingExperts DispatchWithShared(int layer, Tensor x, ExpertRouting routing, SwiGluMlp shared, CancellationToken cancellation = default) =>
        SharedExpertAlongside.Dispatch(this, layer, x, routing, shared, cancellation);

    public void Dispose()
    {
    }

    private sealed class Pending(Task<float[]> exchange, int tokens, int hidden) : IPendingExperts
    {
        public Tensor Combine() => TensorMemory.FromFloats(exchange.GetAwaiter().GetResult(), tokens, hidden);
    }
}
