using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Resizing;
using Kimi.Cluster.Vision.Tests.Support;

namespace Kimi.Cluster.Vision.Tests;

/// <summary>The resampler against a plain re-implementation, and the properties that Pillow's rules imply.</summary>
public sealed class PillowBicubicResamplerTests
{
    [Fact]
    public void Resize_MatchesPlainReference_ForRandomSizesUpAndDown()
    {
        var random = new Random(5);
        for (int i = 0; i < 300; i++)
        {
            int width = random.Next(1, 70), height = random.Next(1, 70);
            int toWidth = random.Next(1, 100), toHeight = random.Next(1, 100);
            var source = TestImages.Create((TestImages.Kind)(i % 4), width, height, seed: i);

            var ours = PillowBicubicResampler.Resize(source, toWidth, toHeight);
            var plain = PlainBicubicReference.Resize(source, toWidth, toHeight);

            Assert.True(ImageDifference.Describe(ours, plain) is null,
                $"{width}x{height} -> {toWidth}x{toHeight}: {ImageDifference.Describe(ours, plain)}");
        }
    }

    [Theory]
    [InlineData(1000, 700, 517, 361)]
    [InlineData(7000, 30, 2000, 9)]
    public void Resize_MatchesPlainReference_ForLargeDownscales(int width, int height, int toWidth, int toHeight)
    {
        var source = TestImages.Noise(width, height, seed: width);

        var ours = PillowBicubicResampler.Resize(source, toWidth, toHeight);

        Assert.Null(ImageDifference.Describe(ours, PlainBicubicReference.Resize(source, toWidth, toHeight)));
    }

    [Fact]
    public void Resize_ReturnsEqualCopy_WhenSizeIsUnchanged()
    {
        var source = TestImages.Noise(31, 17);

        var resized = PillowBicubicResampler.Resize(source, 31, 17);

        Assert.NotSame(source.Pixels, resized.Pixels);
        Assert.Equal(source.Pixels, resized.Pixels);
    }

    [Fact]
    public void Resize_ResamplesEachRowOnItsOwn_WhenOnlyWidthChanges()
    {
        var source = TestImages.Noise(301, 9, seed: 3);

        var resized = PillowBicubicResampler.Resize(source, 97, 9);

        for (int y = 0; y < 9; y++)
        {
            var row = new RgbImage(301, 1, source.Row(y).ToArray());
            Assert.Equal(PillowBicubicResampler.Resize(row, 97, 1).Pixels, resized.Row(y).ToArray());
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(128)]
    [InlineData(254)]
    [InlineData(255)]
    public void Resize_KeepsFlatColourFlat_WhenScalingEitherWay(byte value)
    {
        var flat = new RgbImage(53, 41, Enumerable.Repeat(value, 53 * 41 * 3).ToArray());

        Assert.All(PillowBicubicResampler.Resize(flat, 17, 29).Pixels, b => Assert.Equal(value, b));
        Assert.All(PillowBicubicResampler.Resize(flat, 80, 90).Pixels, b => Assert.Equal(value, b));
    }

    [Fact]
    public void Resize_ClipsOvershootToByteRange_AtHardEdges()
    {
        // A lone white column on black: the kernel's negative lobes pull its neighbours below 0.
        var pixels = new byte[9 * 1 * 3];
        pixels.AsSpan(4 * 3, 3).Fill(255);
        var resized = PillowBicubicResampler.Resize(new RgbImage(9, 1, pixels), 20, 1);

        Assert.Contains(resized.Pixels, b => b == 0);
        Assert.Equal(resized.Pixels, PlainBicubicReference.Resize(new RgbImage(9, 1, pixels), 20, 1).Pixels);
    }

    [Fact]
    public void BicubicWindows_AreIdentity_WhenSizeIsUnchanged()
    {
        // At scale 1 the kernel is sampled at whole offsets, where it is 1, 0, 0: a pass would change
        // nothing, so Pillow's skipping it is an optimisation here, not a difference in output.
        var windows = BicubicWindows.Create(40, 40);

        for (int x = 0; x < 40; x++)
        {
            var weights = windows.Weights.AsSpan(x * windows.Stride, windows.Counts[x]).ToArray();
            Assert.Equal(1 << 22, weights[x - windows.Starts[x]]);
            Assert.Equal(1, weights.Count(w => w != 0));
        }
    }

    [Theory]
    [InlineData(1000, 100)]
    [InlineData(100, 99)]
    [InlineData(7, 50)]
    public void BicubicWindows_WeightsSumToOneInFixedPoint_ForEveryOutput(int inputSize, int outputSize)
    {
        var windows = BicubicWindows.Create(inputSize, outputSize);

        for (int x = 0; x < outputSize; x++)
        {
            int sum = windows.Weights.AsSpan(x * windows.Stride, windows.Counts[x]).ToArray().Sum();
            Assert.InRange(sum, (1 << 22) - windows.Counts[x], (1 << 22) + windows.Counts[x]);
        }
    }

    [Fact]
    public void BicubicWindows_WidenWithTheScale_WhenDownscaling()
    {
        // Antialiasing: shrinking by 10 spreads each output over 4 x 10 input pixels, not 4.
        var windows = BicubicWindows.Create(1000, 100);

        Assert.Equal(40, windows.Counts[50]);
        Assert.Equal(4, BicubicWindows.Create(100, 1000).Counts[500]);
    }
}
