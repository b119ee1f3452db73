using Kimi.Cluster.Kernels;

namespace Kimi.Cluster.Model.Exchange;

/// <summary>
/// One MoE layer's routed-expert work, the one type both ends of the exchange use: each token's
/// hidden state once (row t of <see cref="Hidden"/>, float32 [tokens, hidden]), and its
/// <see cref="PairsPerToken"/>[t] consecutive (expert, gate weight) pairs. The in-process experts
/// compute it as it is; the remote path sends each expert worker the part it serves
/// (<see cref="ExpertBatchCodec"/>), which decodes into one of these again. The answer to it is
/// Σ weight · Expert(x) per token: float32 [tokens, hidden].
/// </summary>
public sealed class ExpertWork(int layer, int hiddenSize, float[] hidden, int[] pairsPerToken, int[] expertIds, float[] weights)
{
    private int[]? _tokenOfPair;

    public int Layer { get; } = layer;

    public int HiddenSize { get; } = hiddenSize;

    /// <summary>[tokens, hidden] float32, row-major: each token's hidden state once.</summary>
    public float[] Hidden { get; } = hidden;

    /// <summary>How many consecutive (expert, weight) pairs belong to each token, in token order.</summary>
    public int[] PairsPerToken { get; } = pairsPerToken;

    public int[] ExpertIds { get; } = expertIds;

    /// <summary>The gate weight of each pair.</summary>
    public float[] Weights { get; } = weights;

    public int Tokens => PairsPerToken.Length;

    /// <summary>The gate's choice for <paramref name="hidden"/> ([tokens, hidden] row-major): every token has its top-k pairs.</summary>
    public static ExpertWork Routed(int layer, int hiddenSize, float[] hidden, ExpertRouting routing)
    {
        ArgumentNullException.ThrowIfNull(routing);
        var pairsPerToken = new int[routing.Tokens];
        Array.Fill(pairsPerToken, routing.TopK);
        return new ExpertWork(layer, hiddenSize, hidden, pairsPerToken, routing.ExpertIds, routing.Weights).Checked();
    }

    /// <summary>The token pair <paramref name="pair"/> belongs to.</summary>
    public int TokenOf(int pair) => (_tokenOfPair ??= [.. PairsPerToken.SelectMany((count, token) => Enumerable.Repeat(token, count))])[pair];

    /// <summary>The pairs as (token, expert, weight) triples, in order: what the expert kernels take.</summary>
    public ExpertAssignment[] Assignments()
    {
        var assignments = new ExpertAssignment[ExpertIds.Length];
        int pair = 0;
        for (int token = 0; token < PairsPerToken.Length; token++)
        {
            for (int end = Math.Min(pair + PairsPerToken[token], assignments.Length); pair < end; pair++)
                assignments[pair] = new ExpertAssignment(token, ExpertIds[pair], Weights[pair]);
        }
        return assignments;
    }

    /// <summary>This work, after checking that its arrays fit together (ArgumentException naming what does not).</summary>
    public ExpertWork Checked()
    {
        long pairs = PairsPerToken.Sum(p => (long)p);
        if (HiddenSize <= 0 || Hidden.Length != (long)Tokens * HiddenSize)
            throw new ArgumentException($"layer {Layer}: {Hidden.Length} hidden values do not fit {Tokens} tokens × hidden {HiddenSize}", "hidden");
        if (PairsPerToken.Any(p => p < 0) || ExpertIds.Length != pairs || Weights.Length != pairs)
            throw new ArgumentException(
                $"layer {Layer}: {pairs} pairs per pairs_per_token, but {ExpertIds.Length} expert ids and {Weights.Length} gate weights", "expert_ids");
        return this;
    }
}
