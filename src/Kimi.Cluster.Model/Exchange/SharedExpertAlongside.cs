using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Exchange;

/// <summary>
/// Routed experts under way elsewhere and the shared expert computed here meanwhile: combine
/// returns routed + shared. Tensors land in the caller's dispose scope, which must outlive the combine.
/// </summary>
public sealed class SharedExpertAlongside : IPendingExperts
{
    private readonly IPendingExperts _routed;
    private readonly Tensor _shared;

    private SharedExpertAlongside(IPendingExperts routed, Tensor shared)
    {
        _routed = routed;
        _shared = shared;
    }

    /// <summary>Dispatches the routed experts, then runs <paramref name="shared"/> on x while they compute.</summary>
    public static IPendingExperts Dispatch(IRoutedExperts experts, int layer, Tensor x, ExpertRouting routing, SwiGluMlp shared, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(experts);
        ArgumentNullException.ThrowIfNull(shared);
        var routed = experts.Dispatch(layer, x, routing, cancellation);
        return new SharedExpertAlongside(routed, shared.Forward(x));
    }

    public Tensor Combine() => _routed.Combine().AddInPlace(_shared);
}
