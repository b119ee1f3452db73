namespace Kimi.Cluster.Model.Configuration;

/// <summary>Yarn context extension (rope_scaling with type "yarn" in config.json).</summary>
public sealed record RopeScaling(
    double Factor,
    int OriginalMaxPositionEmbeddings,
    double BetaFast = 32,
    double BetaSlow = 1,
    double Mscale = 1,
    double MscaleAllDim = 0);
