using Kimi.Cluster.Bench.Tests.Support;

namespace Kimi.Cluster.Bench.Tests;

/// <summary>
/// The random values keep activations O(1) in every format: Linear weights dequantize to std
/// 1/sqrt(inputs), norms sit near 1, the router's score bias is small.
/// </summary>
public sealed class CheckpointValuesTests
{
    private const string Expert = "model.layers.1.mlp.experts.{0}.gate_proj"; // [32, 64]: 64 inputs, std 1/8

    [Fact]
    public async Task Bf16_HasLinearStdOneOverSqrtInputsNormsNearOneAndBiasSmall()
    {
        using var temp = new TempDirectory();
        var listing = (await CheckpointRun.WriteAsync(temp.Path, TinyModel.Args(temp.Path, "bf16")))["model.safetensors"];

        var values = Enumerable.Range(0, TinyModel.Experts).SelectMany(e => Bf16Values(listing, string.Format(null, Expert, e) + ".weight")).ToArray();
        AssertStd(values, 1 / Math.Sqrt(TinyModel.Hidden));
        Assert.All(Bf16Values(listing, "model.layers.1.input_layernorm.weight"), v => Assert.InRange(v, 0.85, 1.15));
        var bias = listing.ReadData(listing["model.layers.1.mlp.gate.e_score_correction_bias"]);
        Assert.All(Enumerable.Range(0, TinyModel.Experts), i => Assert.InRange(BitConverter.ToSingle(bias, 4 * i), -0.02f, 0.02f));
    }

    [Fact]
    public async Task HotExperts_RaiseOnlyTheirRoutingBiasByOne_InEveryMoeLayer()
    {
        using var plain = new TempDirectory();
        using var skewed = new TempDirectory();
        var before = (await CheckpointRun.WriteAsync(plain.Path, TinyModel.Args(plain.Path, "bf16")))["model.safetensors"];
        var after = (await CheckpointRun.WriteAsync(skewed.Path, [.. TinyModel.Args(skewed.Path, "bf16"), "--hot-experts", "0,2"]))["model.safetensors"];

        foreach (string name in before.Tensors.Select(t => t.Name).Where(n => n.EndsWith(".mlp.gate.e_score_correction_bias", StringComparison.Ordinal)))
        {
            var (was, now) = (before.ReadData(before[name]), after.ReadData(after[name]));
            for (int expert = 0; expert < TinyModel.Experts; expert++)
                Assert.Equal(BitConverter.ToSingle(was, 4 * expert) + (expert is 0 or 2 ? 1f : 0f), BitConverter.ToSingle(now, 4 * expert));
        }
        var weight = "model.layers.1.mlp.gate.weight";
        Assert.Equal(before.ReadData(before[weight]), after.ReadData(after[weight]));
    }

    [Fact]
    public async Task Int4_DequantizedStdIsOneOverSqrtInputs()
    {
        using var temp = new TempDirectory();
        var listing = (await CheckpointRun.WriteAsync(temp.Path, TinyModel.Args(temp.Path, "int4")))["model.safetensors"];

        var values = new List<double>();
        for (int e = 0; e < TinyModel.Experts; e++)
        {
            string module = string.Format(null, Expert, e);
            var packed = listing.ReadData(listing[module + ".weight_packed"]);
            var scales = listing.ReadData(listing[module + ".weight_scale"]);
            int inputs = TinyModel.Hidden, groups = inputs / TinyModel.GroupSize;
            for (int i = 0; i < packed.Length / 4 * 8; i++)
            {
                int row = i / inputs, column = i % inputs;
                // Eight nibbles per little-endian int32 along the input, least significant first, each q + 8.
                int q = (int)((BitConverter.ToUInt32(packed, i / 8 * 4) >> (4 * (i % 8))) & 0xF) - 8;
                values.Add(q * CheckpointRun.Bf16(scales, row * groups + column / TinyModel.GroupSize));
            }
        }
        AssertStd(values, 1 / Math.Sqrt(TinyModel.Hidden));
    }

    [Fact]
    public async Task Fp8_DequantizedStdIsOneOverSqrtInputs()
    {
        using var temp = new TempDirectory();
        var listing = (await CheckpointRun.WriteAsync(temp.Path, TinyModel.Args(temp.Path, "fp8")))["model.safetensors"];

        var values = new List<double>();
        for (int e = 0; e < TinyModel.Experts; e++)
        {
            string module = string.Format(null, Expert, e);
            var codes = listing.ReadData(listing[module + ".weight"]);
            // 32 × 64 fits one 128 × 128 block: a single scale.
            float scale = BitConverter.ToSingle(listing.ReadData(listing[module + ".weight_scale_inv"]));
            values.AddRange(codes.Select(code => (double)(CheckpointRun.Fp8(code) * scale)));
        }
        AssertStd(values, 1 / Math.Sqrt(TinyModel.Hidden));
    }

    private static double[] Bf16Values(SafetensorsListing listing, string name)
    {
        var data = listing.ReadData(listing[name]);
        return Enumerable.Range(0, data.Length / 2).Select(i => (double)CheckpointRun.Bf16(data, i)).ToArray();
    }

    /// <summary>16k seeded draws land within a few percent of the target; 15% still catches a wrong scale or encoding.</summary>
    private static void AssertStd(IReadOnlyCollection<double> values, double expected)
    {
        Assert.All(values, v => Assert.True(double.IsFinite(v)));
        Assert.InRange(CheckpointRun.Std(values), expected * 0.85, expected * 1.15);
        Assert.InRange(values.Average(), -0.1 * expected, 0.1 * expected);
    }
}
