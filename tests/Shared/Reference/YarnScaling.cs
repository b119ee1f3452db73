namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>The config.json "rope_scaling" block of type "yarn", with Hugging Face's field meanings.</summary>
public sealed record YarnScaling
{
    public double Factor { get; init; } = 4;
    public int OriginalMaxPositionEmbeddings { get; init; } = 64;
    public double BetaFast { get; init; } = 32;
    public double BetaSlow { get; init; } = 1;
    public double Mscale { get; init; } = 1;
    public double MscaleAllDim { get; init; } = 1;
}
