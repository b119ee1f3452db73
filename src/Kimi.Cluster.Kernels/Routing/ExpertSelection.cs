using Kimi.Cluster.Kernels.Rows;

namespace Kimi.Cluster.Kernels.Routing;

/// <summary>
/// The MoE router's choice for each token from its gate logits, in one pass per token over spans
/// instead of a dozen libtorch calls: scores, biased choice, group limit, top-k (ties go to the
/// lower expert id), weights. Arithmetic in float32 like the gate it replaces; sums in double.
/// </summary>
public static class ExpertSelection
{
    [ThreadStatic] private static float[]? t_scratch;

    /// <summary>
    /// logits: [tokens, experts]; bias: [experts] or empty. Writes, token-major, each token's TopK
    /// expert ids in descending order of biased score, and their weights.
    /// </summary>
    public static void Select(ExpertSelectionRule rule, ReadOnlySpan<float> logits, int tokens, ReadOnlySpan<float> bias,
        Span<int> expertIds, Span<float> weights)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (tokens <= 0 || logits.Length % tokens != 0)
            throw new ArgumentException($"Expert selection: {logits.Length} logits are not {tokens} whole rows.", nameof(logits));
        int experts = logits.Length / tokens, k = rule.TopK;
        rule.Validate(experts);
        if (!bias.IsEmpty && bias.Length != experts)
            throw new ArgumentException($"Expert selection: {bias.Length} biases for {experts} experts.", nameof(bias));
        if (expertIds.Length != tokens * k || weights.Length != tokens * k)
            throw new ArgumentException($"Expert selection: outputs must hold {tokens}×{k} entries.", nameof(expertIds));
        var scratch = Scratch(2 * experts + rule.Groups);
        var scores = scratch[..experts];
        var choice = scratch.Slice(experts, experts);
        var groupStrength = scratch.Slice(2 * experts, rule.Groups);
        for (int t = 0; t < tokens; t++)
        {
            Scores(rule, logits.Slice(t * experts, experts), scores);
            for (int e = 0; e < experts; e++)
                choice[e] = bias.IsEmpty ? scores[e] : scores[e] + bias[e];
            if (rule.Groups > 1 && rule.TopkGroups < rule.Groups)
                KeepStrongestGroups(rule, choice, groupStrength);
            var ids = expertIds.Slice(t * k, k);
            TopK(choice, ids);
            var chosen = weights.Slice(t * k, k);
            for (int i = 0; i < k; i++)
                chosen[i] = scores[ids[i]];
            if (rule.NormalizeTopK && k > 1)
            {
                float sum = 0;
                foreach (float w in chosen)
                    sum += w;
                float denominator = sum + 1e-20f; // keeps an all-zero choice finite, as Hugging Face does
                for (int i = 0; i < k; i++)
                    chosen[i] /= denominator;
            }
            for (int i = 0; i < k; i++)
                chosen[i] *= rule.ScalingFactor;
        }
    }

    private static void Scores(ExpertSelectionRule rule, ReadOnlySpan<float> logits, Span<float> scores)
    {
        if (rule.Sigmoid)
        {
            for (int e = 0; e < logits.Length; e++)
                scores[e] = 1f / (1f + MathF.Exp(-logits[e]));
            return;
        }
        logits.CopyTo(scores);
        RowOps.SoftmaxInPlace(scores);
    }

    /// <summary>Sets the choice of every expert outside the TopkGroups strongest groups to −∞.</summary>
    private static void KeepStrongestGroups(ExpertSelectionRule rule, Span<float> choice, Span<float> strength)
    {
        int perGroup = choice.Length / rule.Groups;
        for (int g = 0; g < rule.Groups; g++)
        {
            var group = choice.Slice(g * perGroup, perGroup);
            float best = float.NegativeInfinity, second = float.NegativeInfinity;
            foreach (float c in group)
            {
                if (c > best)
                    (best, second) = (c, best);
                else if (c > second)
                    second = c;
            }
            strength[g] = rule.Strength == GroupStrength.Best || perGroup < 2 ? best : best + second;
        }
        Span<int> kept = stackalloc int[rule.TopkGroups];
        TopK(strength, kept);
        for (int g = 0; g < rule.Groups; g++)
        {
            if (!kept.Contains(g))
                choice.Slice(g * perGroup, perGroup).Fill(float.NegativeInfinity);
        }
    }

    /// <summary>The ids of the ids.Length largest values, largest first; ties go to the lower id.</summary>
    private static void TopK(ReadOnlySpan<float> values, Span<int> ids)
    {
        int count = 0;
        for (int e = 0; e < values.Length; e++)
        {
            float v = values[e];
            if (count == ids.Length && !(v > values[ids[count - 1]]))
                continue;
            int at = count < ids.Length ? count++ : count - 1;
            // Insertion into the sorted prefix; a later id never passes an equal earlier one.
            while (at > 0 && v > values[ids[at - 1]])
            {
                ids[at] = ids[at - 1];
                at--;
            }
            ids[at] = e;
        }
    }

    private static Span<float> Scratch(int count)
    {
        if (t_scratch is null || t_scratch.Length < count)
            t_scratch = new float[count];
        return t_scratch.AsSpan(0, count);
    }
}
