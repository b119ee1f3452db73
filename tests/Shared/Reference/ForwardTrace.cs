namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Every intermediate of a full forward pass, [token][feature], so a test can find the first
/// layer where an implementation departs from the reference.
/// </summary>
/// <param name="LayerOutputs">Residual stream after each decoder layer.</param>
/// <param name="FinalNormed">After model.norm, before lm_head.</param>
public sealed record ForwardTrace(
    double[][] Embeddings, IReadOnlyList<double[][]> LayerOutputs, double[][] FinalNormed, double[][] Logits);
