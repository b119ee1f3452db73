using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.RoutedExperts;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.DataPlane;

/// <summary>Routed experts that live in expert workers: dispatch encodes and sends, combine waits and decodes.</summary>
public sealed class RemoteRoutedExperts(IExpertTransport transport) : IRoutedExperts
{
    public IPendingExperts Dispatch(int layer, Tensor x, ExpertRouting routing)
    {
        ArgumentNullException.ThrowIfNull(routing);
        int tokens = (int)x.shape[0], hidden = (int)x.shape[1];
        var exchange = new ExpertExchange(layer, tokens, hidden, routing.TopK, ActivationCodec.Encode(x), routing.ExpertIds, routing.Weights);
        return new Pending(transport.ExchangeAsync(exchange, CancellationToken.None), tokens, hidden);
    }

    public void Dispose()
    {
    }

    private sealed class Pending(Task<float[]> exchange, int tokens, int hidden) : IPendingExperts
    {
        public Tensor Combine() => tensor(exchange.GetAwaiter().GetResult(), [tokens, hidden]);
    }
}
