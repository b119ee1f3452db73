using Kimi.Cluster.Bench.Tests.Support;

namespace Kimi.Cluster.Bench.Tests;

/// <summary>The written safetensors files, parsed independently: every Kimi K2 tensor with its dtype and shape, laid out as the format says.</summary>
public sealed class CheckpointLayoutTests
{
    [Theory]
    [InlineData("bf16")]
    [InlineData("int4")]
    [InlineData("fp8")]
    public async Task Checkpoint_HoldsEveryKimiTensor_WithItsDtypeAndShape(string format)
    {
        using var temp = new TempDirectory();
        var files = await CheckpointRun.WriteAsync(temp.Path, TinyModel.Args(temp.Path, format));

        var listing = Assert.Single(files).Value;
        Assert.Equal("model.safetensors", Path.GetFileName(listing.Path));
        Assert.False(File.Exists(temp["model.safetensors.index.json"]));
        var expected = TinyModel.Expected(format);
        Assert.Equal(expected.Keys.Order(), listing.Tensors.Select(t => t.Name).Order());
        foreach (var tensor in listing.Tensors)
        {
            Assert.True(expected[tensor.Name].DType == tensor.DType, $"{tensor.Name}: {tensor.DType}, expected {expected[tensor.Name].DType}");
            Assert.True(expected[tensor.Name].Shape.SequenceEqual(tensor.Shape), $"{tensor.Name}: [{string.Join(", ", tensor.Shape)}]");
        }
        AssertContiguous(listing);
    }

    [Fact]
    public async Task Int4_PacksOnlyRoutedExpertsEightInputsPerWordAndRecordsTheirShape()
    {
        using var temp = new TempDirectory();
        var listing = (await CheckpointRun.WriteAsync(temp.Path, TinyModel.Args(temp.Path, "int4")))["model.safetensors"];

        var names = listing.Tensors.Select(t => t.Name).ToHashSet();
        Assert.DoesNotContain(names, n => n.Contains(".mlp.experts.", StringComparison.Ordinal) && n.EndsWith(".weight", StringComparison.Ordinal));
        Assert.All(names.Where(n => n.EndsWith("_packed", StringComparison.Ordinal)),
            n => Assert.Contains(".mlp.experts.", n, StringComparison.Ordinal));
        // down_proj [hidden, moe_intermediate]: 32 inputs → 4 words and 1 group of 32 per row.
        string down = "model.layers.1.mlp.experts.7.down_proj";
        Assert.Equal([TinyModel.Hidden, TinyModel.MoeIntermediate / 8], listing[down + ".weight_packed"].Shape);
        Assert.Equal([TinyModel.Hidden, TinyModel.MoeIntermediate / TinyModel.GroupSize], listing[down + ".weight_scale"].Shape);
        var shape = listing.ReadData(listing[down + ".weight_shape"]);
        Assert.Equal([TinyModel.Hidden, TinyModel.MoeIntermediate], [BitConverter.ToInt32(shape, 0), BitConverter.ToInt32(shape, 4)]);
    }

    [Fact]
    public async Task Int4_WithAGroupLongerThanAnExpertInput_StoresOneScaleForItsShorterGroup()
    {
        using var temp = new TempDirectory();
        var listing = (await CheckpointRun.WriteAsync(temp.Path, [.. TinyModel.Args(temp.Path, "int4"), "--group-size", "64"]))["model.safetensors"];

        // down_proj's 32 inputs in groups of 64: one group, shorter than the rest (⌈32 / 64⌉ = 1 scale a row);
        // gate_proj's 64 inputs: one whole group.
        string expert = "model.layers.1.mlp.experts.7";
        Assert.Equal([TinyModel.Hidden, 1], listing[expert + ".down_proj.weight_scale"].Shape);
        Assert.Equal([TinyModel.MoeIntermediate, 1], listing[expert + ".gate_proj.weight_scale"].Shape);
    }

    [Fact]
    public async Task Fp8_HasAScalePerPartialBlock_AndNoNaNCode()
    {
        using var temp = new TempDirectory();
        // intermediate 160: the dense MLP spans one full and one partial 128-block.
        var listing = (await CheckpointRun.WriteAsync(temp.Path, TinyModel.Args(temp.Path, "fp8", intermediate: 160)))["model.safetensors"];

        var expected = TinyModel.Expected("fp8", intermediate: 160);
        Assert.Equal(expected.Keys.Order(), listing.Tensors.Select(t => t.Name).Order());
        Assert.Equal([2, 1], listing["model.layers.0.mlp.gate_proj.weight_scale_inv"].Shape);
        Assert.Equal([1, 2], listing["model.layers.0.mlp.down_proj.weight_scale_inv"].Shape);
        Assert.Equal("BF16", listing["model.layers.1.mlp.gate.weight"].DType);
        Assert.Equal("BF16", listing["lm_head.weight"].DType);
        foreach (var tensor in listing.Tensors.Where(t => t.DType == "F8_E4M3"))
            Assert.DoesNotContain(listing.ReadData(tensor), code => (code & 0x7F) == 0x7F);
        AssertContiguous(listing);
    }

    [Fact]
    public async Task QLoraRankZero_WritesQProj()
    {
        using var temp = new TempDirectory();
        var listing = (await CheckpointRun.WriteAsync(temp.Path, TinyModel.Args(temp.Path, "bf16", qLora: 0)))["model.safetensors"];

        Assert.Equal(TinyModel.Expected("bf16", qLora: 0).Keys.Order(), listing.Tensors.Select(t => t.Name).Order());
        Assert.Equal([TinyModel.Heads * (TinyModel.Nope + TinyModel.Rope), TinyModel.Hidden], listing["model.layers.1.self_attn.q_proj.weight"].Shape);
    }

    /// <summary>Offsets run from 0 without gaps, each span fits its dtype and shape, and the data ends the file.</summary>
    internal static void AssertContiguous(SafetensorsListing listing)
    {
        Assert.Equal(0, listing.HeaderLength % 8);
        Assert.Equal("pt", listing.Metadata["format"]);
        long next = 0;
        foreach (var tensor in listing.Tensors.OrderBy(t => t.Begin))
        {
            Assert.Equal(next, tensor.Begin);
            long elements = tensor.Shape.Aggregate(1L, (a, b) => a * b);
            Assert.Equal(elements * SafetensorsListing.ElementBytes(tensor.DType), tensor.End - tensor.Begin);
            next = tensor.End;
        }
        Assert.Equal(listing.FileLength, listing.DataStart + next);
    }
}
