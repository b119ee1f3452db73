namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>A MoE layer's routed experts could not be computed: every attempt on the expert workers failed.</summary>
public sealed class ExpertExchangeException(string message, Exception? innerException = null) : Exception(message, innerException)
{
    public static ExpertExchangeException GaveUp(int layer, IReadOnlyCollection<string> endpoints, int attempts, Exception lastError)
    {
        ArgumentNullException.ThrowIfNull(lastError);
        return new ExpertExchangeException(
            $"MoE layer {layer}: the routed experts failed after {attempts} attempt(s) on expert worker(s) " +
            $"{string.Join(", ", endpoints)}; last error: {lastError.Message}", lastError);
    }

    public static ExpertExchangeException Refused(int layer, string endpoint, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new ExpertExchangeException(
            $"MoE layer {layer}: expert worker {endpoint} refused the batch (not retried): {error.Message}", error);
    }
}
