namespace Kimi.Cluster.Model.Exchange;

/// <summary>
/// The gate's decision for a batch: which experts each token goes to and with what weight,
/// token-major (token t's choices are entries t·TopK .. t·TopK + TopK − 1, strongest first).
/// </summary>
public sealed record ExpertRouting(int Tokens, int TopK, int[] ExpertIds, float[] Weights)
{
    /// <summary>Token <paramref name="token"/>'s experts, strongest first.</summary>
    public ReadOnlySpan<int> ExpertsOf(int token) => ExpertIds.AsSpan(token * TopK, TopK);

    /// <summary>Token <paramref name="token"/>'s weights, in the order of <see cref="ExpertsOf"/>.</summary>
    public ReadOnlySpan<float> WeightsOf(int token) => Weights.AsSpan(token * TopK, TopK);
}
