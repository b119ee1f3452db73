namespace Kimi.Cluster.Model.Configuration;

/// <summary>How the MoE gate turns router logits into expert scores.</summary>
public enum ScoringFunction
{
    Sigmoid,
    Softmax,
}
