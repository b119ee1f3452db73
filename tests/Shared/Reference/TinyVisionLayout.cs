namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Kimi K2.5's vision tensors for a <see cref="TinyVisionSpec"/>, named and shaped as the real
/// checkpoint stores them (top-level, bf16 whatever the quantization): linear weights N(0, 1/in),
/// biases 0.1·N(0,1), LayerNorm weights 1 + 0.1·N(0,1), the position grid 0.5·N(0,1).
/// </summary>
public static class TinyVisionLayout
{
    public static IEnumerable<TinyTensorSpec> Enumerate(TinyVisionSpec vision, int textHidden)
    {
        ArgumentNullException.ThrowIfNull(vision);
        int hidden = vision.HiddenSize, merged = 4 * hidden;
        var list = new List<TinyTensorSpec>();

        void Add(string name, int[] shape, double mean, double std) =>
            list.Add(new(name, shape, StoredDtype.BF16, mean, std, -1, IsText: false));
        void Linear(string module, int outFeatures, int inFeatures)
        {
            Add(module + ".weight", [outFeatures, inFeatures], 0, Math.Sqrt(1.0 / inFeatures));
            Add(module + ".bias", [outFeatures], 0, 0.1);
        }
        void Norm(string module, int size)
        {
            Add(module + ".weight", [size], 1, 0.1);
            Add(module + ".bias", [size], 0, 0.1);
        }

        // A 14×14 stride-14 convolution, stored as such: [hidden, 3, patch, patch].
        Add("vision_tower.patch_embed.proj.weight", [hidden, 3, vision.PatchSize, vision.PatchSize], 0, Math.Sqrt(1.0 / vision.PatchInputs));
        Add("vision_tower.patch_embed.proj.bias", [hidden], 0, 0.1);
        Add("vision_tower.patch_embed.pos_emb.weight", [vision.InitPosEmbHeight, vision.InitPosEmbWidth, hidden], 0, 0.5);
        for (int b = 0; b < vision.NumHiddenLayers; b++)
        {
            string p = $"vision_tower.encoder.blocks.{b}.";
            Norm(p + "norm0", hidden);
            Norm(p + "norm1", hidden);
            Linear(p + "wqkv", 3 * hidden, hidden);
            Linear(p + "wo", hidden, hidden);
            Linear(p + "mlp.fc0", vision.IntermediateSize, hidden);
            Linear(p + "mlp.fc1", hidden, vision.IntermediateSize);
        }
        Norm("vision_tower.encoder.final_layernorm", hidden);
        Norm("mm_projector.pre_norm", hidden);
        Linear("mm_projector.proj.0", merged, merged);
        Linear("mm_projector.proj.2", textHidden, merged);
        return list;
    }
}
