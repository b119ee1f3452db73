namespace Kimi.Cluster.Kernels.Experts;

/// <summary>Argument checks of the grouped expert call, kept out of the hot job.</summary>
internal static class ExpertChecks
{
    /// <summary>
    /// Checks every assignment's token and expert and that all named experts share one shape;
    /// returns one of them as the shape, or null when there are no assignments.
    /// </summary>
    public static ExpertWeights? Validate(int tokens, ReadOnlySpan<ExpertAssignment> assignments, IReadOnlyList<ExpertWeights?> experts)
    {
        ExpertWeights? shape = null;
        foreach (var a in assignments)
        {
            if ((uint)a.Token >= (uint)tokens)
            {
                throw new ArgumentException($"Assignment {a} names token {a.Token} of {tokens}.", nameof(assignments));
            }
            if ((uint)a.Expert >= (uint)experts.Count || experts[a.Expert] is not { } expert)
            {
                throw new ArgumentException($"Assignment {a} names expert {a.Expert}, which is missing from the {experts.Count} given.", nameof(assignments));
            }
            shape ??= expert;
            if (expert.Hidden != shape.Hidden || expert.Intermediate != shape.Intermediate)
            {
                throw new ArgumentException(
                    $"Expert {a.Expert} is [{expert.Intermediate}, {expert.Hidden}] but others are [{shape.Intermediate}, {shape.Hidden}].",
                    nameof(experts));
            }
        }
        return shape;
    }
}
