using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Model.Tests.AgainstReference;

/// <summary>
/// Weights are held as the checkpoint stores them: the bytes held in each form equal the bytes of
/// the tensors stored in that form (INT4 = packed nibbles + bf16 scales, FP8 = e4m3 + float32 block
/// scales, BF16), never float32 copies. Only the norms, the routing bias and a kv_b_proj stored in
/// another format than bf16 (FP8: its values times their block scales need float32; F16) are float32.
/// </summary>
public sealed class ResidentBytesTests(ReferenceCases cases) : IClassFixture<ReferenceCases>
{
    [Theory]
    [InlineData("kimi_k2_thinking_int4")]
    [InlineData("kimi_k25_int4")]
    [InlineData("kimi_k2_int4_partial")]
    [InlineData("kimi_k2_instruct_fp8")]
    [InlineData("kimi_k2")]
    [InlineData("kimi_k2_f16")]
    public void BytesHeld_EqualBytesStored_ForEachForm(string name)
    {
        var c = cases.Get(name);
        var stored = SafetensorsFile.ReadDirectory(c.Directory);
        string prefix = c.Reference.Weights.Spec.TensorPrefix;
        // The text model's tensors only: K2.5's vision tower is not loaded.
        bool IsText(string tensor) => tensor.StartsWith(prefix + "model.", StringComparison.Ordinal) || tensor.StartsWith(prefix + "lm_head", StringComparison.Ordinal);
        long Stored(Func<string, bool> select) => stored.Where(t => IsText(t.Key) && select(t.Key)).Sum(t => (long)t.Value.Data.Length);
        bool IsDecodedKvB(string tensor) => tensor.Contains("kv_b_proj", StringComparison.Ordinal)
            && stored[tensor[..(tensor.IndexOf("kv_b_proj", StringComparison.Ordinal) + "kv_b_proj".Length)] + ".weight"].Entry.Dtype != "BF16";
        bool IsFloat32(string tensor) => IsDecodedKvB(tensor) || tensor.Contains("norm", StringComparison.Ordinal) || tensor.Contains("e_score_correction_bias", StringComparison.Ordinal);

        var held = c.Engine.Resident.ByForm;

        long int4 = Stored(t => t.EndsWith(".weight_packed", StringComparison.Ordinal) || t.EndsWith(".weight_scale", StringComparison.Ordinal));
        long fp8 = Stored(t => !IsFloat32(t) && (stored[t].Entry.Dtype == "F8_E4M3" || t.EndsWith(".weight_scale_inv", StringComparison.Ordinal)));
        long bf16 = Stored(t => !IsFloat32(t) && stored[t].Entry.Dtype == "BF16" && !t.EndsWith(".weight_scale", StringComparison.Ordinal));
        long f16 = Stored(t => !IsFloat32(t) && stored[t].Entry.Dtype == "F16");
        Assert.Equal(int4, held.GetValueOrDefault("INT4"));
        Assert.Equal(fp8, held.GetValueOrDefault("FP8"));
        Assert.Equal(bf16, held.GetValueOrDefault("BF16"));
        Assert.Equal(f16, held.GetValueOrDefault("F16"));
        Assert.True(name.Contains("f16", StringComparison.Ordinal) == f16 > 0, $"F16 bytes {f16}");
        Assert.True(name.Contains("int4", StringComparison.Ordinal) == int4 > 0, $"INT4 bytes {int4}");
        Assert.True(name.Contains("fp8", StringComparison.Ordinal) == fp8 > 0, $"FP8 bytes {fp8}");
    }
}
