namespace Kimi.Cluster.Model.Exchange;

/// <summary>
/// Carries routed-expert work to the expert workers and back, tensor-free: it sends each token
/// once to every worker that owns one of its experts and adds up the workers' partial sums.
/// </summary>
public interface IExpertTransport
{
    /// <summary>Σ weight · Expert(x) per token: float32 [Tokens, HiddenSize], row-major. Cancelling abandons the layer.</summary>
    Task<float[]> ExchangeAsync(ExpertWork work, CancellationToken cancellationToken);
}
