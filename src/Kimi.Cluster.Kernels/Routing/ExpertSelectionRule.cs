namespace Kimi.Cluster.Kernels.Routing;

/// <summary>How a group's strength is judged when experts are chosen within the best groups.</summary>
public enum GroupStrength
{
    /// <summary>The sum of its two best biased scores (DeepSeek-V3's noaux_tc).</summary>
    TopTwoSum,

    /// <summary>Its best score (group_limited_greedy).</summary>
    Best,
}

/// <summary>
/// The router's rule, from the model config: scores are sigmoid (or softmax) of the logits; experts
/// are chosen by score + bias among the <see cref="TopkGroups"/> strongest of <see cref="Groups"/>
/// groups, and weighted by their unbiased scores (normalised to sum 1 when
/// <see cref="NormalizeTopK"/>), times <see cref="ScalingFactor"/>.
/// </summary>
/// <param name="TopK">Experts per token.</param>
/// <param name="Sigmoid">Sigmoid scores; softmax over all experts otherwise.</param>
/// <param name="Groups">Expert groups; 1 (or <paramref name="TopkGroups"/> = <paramref name="Groups"/>) chooses among all experts.</param>
/// <param name="TopkGroups">Groups kept per token.</param>
/// <param name="Strength">How a group's strength is judged.</param>
/// <param name="NormalizeTopK">Whether the chosen weights are normalised to sum 1 (when TopK &gt; 1).</param>
/// <param name="ScalingFactor">routed_scaling_factor.</param>
public sealed record ExpertSelectionRule(
    int TopK, bool Sigmoid, int Groups, int TopkGroups, GroupStrength Strength, bool NormalizeTopK, float ScalingFactor)
{
    internal void Validate(int experts)
    {
        if (experts <= 0 || TopK <= 0 || TopK > experts)
            throw new ArgumentException($"Expert selection: top-{TopK} of {experts} experts is not possible.");
        if (Groups <= 0 || experts % Groups != 0 || TopkGroups <= 0 || TopkGroups > Groups)
            throw new ArgumentException($"Expert selection: {experts} experts cannot form {Groups} groups with {TopkGroups} kept.");
        if ((long)TopkGroups * (experts / Groups) < TopK)
            throw new ArgumentException($"Expert selection: {TopkGroups} groups of {experts / Groups} hold fewer than top-{TopK} experts.");
    }
}
