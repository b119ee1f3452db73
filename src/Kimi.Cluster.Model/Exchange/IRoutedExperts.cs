using Kimi.Cluster.Model.Layers;
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

    /// <summary>
    /// As <see cref="Dispatch"/>, with the shared expert of every token added after the routed
    /// ones: combine returns (Σₖ weightₖ · Expertₖ(x)) + Shared(x), summed in that order. Remote
    /// experts compute while <paramref name="shared"/> runs here; in-process ones take it into
    /// the same grouped kernel call.
    /// </summary>
    IPendingExperts DispatchWithShared(int layer, Tensor x, ExpertRouting routing, SwiGluMlp shared, CancellationToken cancellation = default);
}

/// <summary>Routed-expert work under way for one layer.</summary>
public interface IPendingExperts
{
    /// <summary>
    /// Waits for the experts and returns the weighted sums, [tokens, hidden] contiguous float32: a
    /// fresh tensor the caller owns (and may add into in place).
    /// </summary>
    Tensor Combine();
}
