namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>What part of the model a tensor belongs to: decides how much of it one decoded token reads.</summary>
public enum TensorRole
{
    /// <summary>The embedding table: a token reads one row.</summary>
    Embedding,

    /// <summary>Attention projections (MLA).</summary>
    Attention,

    /// <summary>RMSNorm weights.</summary>
    Norm,

    /// <summary>The MLP of the first dense layers.</summary>
    DenseMlp,

    /// <summary>The MoE router's weight and score-correction bias.</summary>
    Router,

    /// <summary>The always-on shared experts of MoE layers.</summary>
    SharedExperts,

    /// <summary>Routed experts: a token reads top-k of them per MoE layer.</summary>
    RoutedExperts,

    /// <summary>The output projection to the vocabulary.</summary>
    LmHead,
}
