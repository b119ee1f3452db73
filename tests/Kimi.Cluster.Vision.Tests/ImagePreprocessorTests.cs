using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Resizing;
using Kimi.Cluster.Vision.Pixels;
using Kimi.Cluster.Vision.Tests.Support;

namespace Kimi.Cluster.Vision.Tests;

/// <summary>The entry point end to end, and the content hash the prefix cache keys images by.</summary>
public sealed class ImagePreprocessorTests
{
    private readonly ImagePreprocessor _preprocessor = new();

    [Fact]
    public void Preprocess_GivesWorkedExampleGridAndTokens_For1920x1080Png()
    {
        var png = PngWriter.Write(1920, 1080, PngWriter.Rgb, 8, TestImages.Gradient(1920, 1080).Pixels);

        var image = _preprocessor.Preprocess(png);

        Assert.Equal((78, 138, 2691), (image.GridRows, image.GridColumns, image.MergedTokenCount));
        Assert.Equal(78 * 138 * 3 * 14 * 14, image.PixelValues.Length);
        Assert.Equal((1920, 1080), (image.Plan.ResizedWidth, image.Plan.ResizedHeight));
    }

    [Fact]
    public void Preprocess_ResizesThenPads_WhenImageIsOverTheBudget()
    {
        var png = PngWriter.Write(3000, 3000, PngWriter.Grey, 8, new byte[3000 * 3000]);

        var image = _preprocessor.Preprocess(png);

        Assert.Equal((130, 130, 4225), (image.GridRows, image.GridColumns, image.MergedTokenCount));
        Assert.Equal(1794, image.Plan.ResizedWidth);
    }

    [Fact]
    public void Preprocess_GivesSameHash_WhenSamePixelsArriveAsPngAndLosslessWebP()
    {
        var picture = TestImages.Gradient(300, 200, noise: 20);

        var fromPng = _preprocessor.Preprocess(PngWriter.Write(300, 200, PngWriter.Rgb, 8, picture.Pixels));
        var fromWebP = _preprocessor.Preprocess(SkiaEncoder.WebP(picture, lossless: true));

        Assert.Equal(fromPng.ContentHash, fromWebP.ContentHash);
        Assert.Equal(fromPng.PixelValues, fromWebP.PixelValues);
    }

    [Fact]
    public void Preprocess_GivesDifferentHash_WhenOneChannelOfOnePixelChanges()
    {
        var picture = TestImages.Noise(50, 40);
        var changed = (byte[])picture.Pixels.Clone();
        changed[1234] ^= 1;

        var first = _preprocessor.Preprocess(PngWriter.Write(50, 40, PngWriter.Rgb, 8, picture.Pixels));
        var second = _preprocessor.Preprocess(PngWriter.Write(50, 40, PngWriter.Rgb, 8, changed));

        Assert.NotEqual(first.ContentHash, second.ContentHash);
    }

    [Fact]
    public void ContentHash_Differs_WhenTransposedSizesHaveTheSameBytesAndGrid()
    {
        // 27x28 and 28x27 hold as many bytes and both make a 2x2 grid; only the size tells them apart.
        var bytes = new byte[27 * 28 * 3];
        var wide = new RgbImage(28, 27, bytes);
        var tall = new RgbImage(27, 28, bytes);

        var wideHash = ImageContentHash.Compute(wide, NavitResize.Plan(28, 27));
        var tallHash = ImageContentHash.Compute(tall, NavitResize.Plan(27, 28));

        Assert.NotEqual(wideHash, tallHash);
    }

    [Fact]
    public void ContentHash_PrintsAs64HexDigits_AndLeadsWithItsFirst64Bits()
    {
        var hash = ImageContentHash.Compute(new RgbImage(1, 1, [1, 2, 3]), NavitResize.Plan(1, 1));

        string text = hash.ToString();
        Assert.Matches("^[0-9a-f]{64}$", text);
        Assert.Equal(Convert.ToUInt64(text[..16], 16), hash.ToUInt64());
    }

    [Fact]
    public void Preprocess_Throws_WhenBytesAreNotAnImage()
    {
        var error = Assert.Throws<ImageRejectedException>(() => _preprocessor.Preprocess("{\"not\": \"an image\"}"u8));

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, error.Reason);
    }

    [Fact]
    public void Preprocess_UsesTheLimitsOfItsOptions()
    {
        var strict = new ImagePreprocessor(new ImagePreprocessorOptions { Limits = new ImageDecodingLimits { MaxPixels = 99 } });

        var error = Assert.Throws<ImageRejectedException>(() => strict.Preprocess(PngWriter.Write(10, 10, PngWriter.Grey, 8, new byte[100])));

        Assert.Equal(ImageRejectionReason.TooManyPixels, error.Reason);
    }
}
