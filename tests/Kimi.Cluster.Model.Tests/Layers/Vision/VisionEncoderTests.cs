using Kimi.Cluster.Model.Layers.Vision;
using Kimi.Cluster.Model.Tests.Support;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Layers.Vision;

/// <summary>
/// The encoder on packed images of the tiny K2.5 checkpoint: each image attends only to itself,
/// the output has one row per merged token, and malformed batches are refused.
/// </summary>
public sealed class VisionEncoderTests(TinyVisionModel model) : IClassFixture<TinyVisionModel>
{
    private static readonly ImageGrid ImageA = new(6, 4), ImageB = new(4, 8);

    [Fact]
    public void Forward_LeavesImageAsRowsUnchanged_WhenImageBsPixelsChange()
    {
        ImageGrid[] images = [ImageA, ImageB];
        var pixels = model.Pixels(images, seed: 1);
        var changed = (float[])pixels.Clone();
        int bStart = ImageA.Patches * model.Vision.PatchInputs;
        for (int i = bStart; i < changed.Length; i++)
            changed[i] = -changed[i] * 0.5f;

        using var before = model.Forward(pixels, images);
        using var after = model.Forward(changed, images);

        using var aBefore = before.narrow(0, 0, ImageA.MergedTokens);
        using var aAfter = after.narrow(0, 0, ImageA.MergedTokens);
        using var bBefore = before.narrow(0, ImageA.MergedTokens, ImageB.MergedTokens);
        using var bAfter = after.narrow(0, ImageA.MergedTokens, ImageB.MergedTokens);
        Assert.Equal(aBefore.data<float>().ToArray(), aAfter.data<float>().ToArray());
        Assert.NotEqual(bBefore.data<float>().ToArray(), bAfter.data<float>().ToArray());
    }

    [Fact]
    public void Forward_GivesAnImageTheSameRows_WhetherAloneOrPacked()
    {
        var pixels = model.Pixels([ImageB, ImageA], seed: 2);
        var aPixels = pixels[(ImageB.Patches * model.Vision.PatchInputs)..];

        using var packed = model.Forward(pixels, [ImageB, ImageA]);
        using var alone = model.Forward(aPixels, [ImageA]);

        using var aPacked = packed.narrow(0, ImageB.MergedTokens, ImageA.MergedTokens);
        float[] expected = alone.data<float>().ToArray(), actual = aPacked.data<float>().ToArray();
        double scale = expected.Max(Math.Abs), worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst / scale < 1e-6, $"relative difference {worst / scale:E2}");
    }

    [Fact]
    public void Forward_GivesOneTextWidthRowPerMergedToken()
    {
        ImageGrid[] images = [new(8, 8), new(2, 2), new(4, 10)];

        using var output = model.Forward(model.Pixels(images, seed: 3), images);

        Assert.Equal([16L + 1 + 10, model.Config.HiddenSize], output.shape);
        Assert.Equal(17, new VisionBatch(output, images).TokenStart(2));
    }

    [Fact]
    public void Trace_KeepsEveryStep_AndEndsWithTheOutput()
    {
        ImageGrid[] images = [ImageA];
        var pixels = model.Pixels(images, seed: 4);
        using var input = tensor(pixels, [ImageA.Patches, model.Vision.PatchInputs]);
        using var noGrad = no_grad();

        using var trace = model.Encoder.Trace(new VisionBatch(input, images));
        using var output = model.Encoder.Forward(new VisionBatch(input, images));

        Assert.Equal([(long)ImageA.Patches, model.Vision.HiddenSize], trace.PatchEmbeddings!.shape);
        Assert.Equal(model.Vision.NumHiddenLayers, trace.BlockOutputs.Count);
        Assert.Equal([(long)ImageA.MergedTokens, model.Vision.MergedWidth], trace.Merged!.shape);
        Assert.Equal(output.data<float>().ToArray(), trace.Projected!.data<float>().ToArray());
    }

    [Theory]
    [InlineData(5, 4, 20)]   // odd rows cannot merge 2×2
    [InlineData(4, 514, 2056)] // past the 512-patch rotary table
    [InlineData(4, 4, 15)]   // pixel rows do not match the grid
    public void Forward_RefusesTheBatch_WhenItIsMalformed(int rows, int columns, int pixelRows)
    {
        using var input = zeros(pixelRows, model.Vision.PatchInputs);

        Assert.ThrowsAny<ArgumentException>(() => model.Encoder.Forward(new VisionBatch(input, [new ImageGrid(rows, columns)])));
    }
}
