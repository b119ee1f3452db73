using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Exchange;

/// <summary>
/// The attention→expert boundary, SGLang's dispatch/combine pair: dispatch sends each token's
/// hidden state to its chosen experts, combine returns Σₖ weightₖ · Expertₖ(x) per token. The
/// shared expert runs between the two, so remote experts overlap with it.
/// </summary>
public interface IRoutedExperts : IDisposable
{
    /// <summary>
    /// Whether the experts compute on other machines, so that a step split in two micro-batches
    /// overlaps one's attention with the other's experts. In-process experts share the cores with
    /// attention: splitting would only read every expert's weights twice.
    /// </summary>
    bool ComputesElsewhere { get; }

    /// <summary>
    /// x: [tokens, hidden]. Starts the experts' work; the result comes from <see cref="IPendingExperts.Combine"/>.
    /// Cancelling <paramref name="cancellation"/> (the step's) abandons the remote work.
    /// </summary>
    IPendingExperts Dispatch(int layer, Tensor x, ExpertRouting routing, CancellationToken cancellation = default);
}

/// <summary>Routed-expert work under way for one layer.</summary>
public interface IPendingExperts
{
    /// <summary>Waits for the experts and returns the weighted sums, [tokens, hidden] float32.</summary>
    Tensor Combine();
}
