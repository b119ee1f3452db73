using Kimi.Cluster.Model.Configuration;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>
/// The tensors K2.5 stores for its vision tower and projector, by their stored (top-level) names:
/// what <see cref="VisionEncoder"/> reads, so a server can check for them before loading.
/// </summary>
public static class VisionTensorNames
{
    public const string Tower = "vision_tower";
    public const string PatchEmbed = Tower + ".patch_embed";
    public const string FinalNorm = Tower + ".encoder.final_layernorm";
    public const string Projector = "mm_projector";

    public static string Block(int block) => $"{Tower}.encoder.blocks.{block}";

    public static IReadOnlyList<string> All(VisionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        List<string> names = [PatchEmbed + ".proj.weight", PatchEmbed + ".proj.bias", PatchEmbed + ".pos_emb.weight"];
        string[] blockParts = ["norm0", "norm1", "wqkv", "wo", "mlp.fc0", "mlp.fc1"];
        for (int b = 0; b < config.NumHiddenLayers; b++)
            names.AddRange(blockParts.SelectMany(part => WeightAndBias($"{Block(b)}.{part}")));
        names.AddRange(WeightAndBias(FinalNorm));
        foreach (string part in new[] { "pre_norm", "proj.0", "proj.2" })
            names.AddRange(WeightAndBias($"{Projector}.{part}"));
        return names;
    }

    private static string[] WeightAndBias(string module) => [module + ".weight", module + ".bias"];
}
