using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Tests.Support;

namespace Kimi.Cluster.Vision.Tests;

/// <summary>What <c>convert("RGB")</c> means for each kind of file, checked against the pixels the file was written with.</summary>
public sealed class ImageDecoderTests
{
    [Fact]
    public void Decode_ReturnsStoredPixels_WhenPngIsRgb()
    {
        var picture = TestImages.Noise(23, 11);

        var decoded = ImageDecoder.Decode(PngWriter.Write(23, 11, PngWriter.Rgb, 8, picture.Pixels));

        Assert.Equal((23, 11), (decoded.Width, decoded.Height));
        Assert.Equal(picture.Pixels, decoded.Pixels);
    }

    [Fact]
    public void Decode_DropsAlphaKeepingColour_WhenPngPixelsAreTransparent()
    {
        // Pillow drops alpha without compositing, so a fully transparent pixel keeps its stored colour
        // (vLLM's loader would paste it on white first; Moonshot's processor does not).
        byte[] rgba = [200, 10, 30, 0, 1, 2, 3, 128, 250, 251, 252, 255];

        var decoded = ImageDecoder.Decode(PngWriter.Write(3, 1, PngWriter.Rgba, 8, rgba));

        Assert.Equal([200, 10, 30, 1, 2, 3, 250, 251, 252], decoded.Pixels);
    }

    [Fact]
    public void Decode_RepeatsGreyIntoRgb_WhenPngIsGreyscale()
    {
        var decoded = ImageDecoder.Decode(PngWriter.Write(3, 1, PngWriter.Grey, 8, [0, 77, 255]));

        Assert.Equal([0, 0, 0, 77, 77, 77, 255, 255, 255], decoded.Pixels);
    }

    [Fact]
    public void Decode_StretchesLevelsToBytes_WhenPngGreyIsTwoBit()
    {
        var packed = PngWriter.PackLowBitDepth([0, 1, 2, 3], 4, 1, 2);

        var decoded = ImageDecoder.Decode(PngWriter.Write(4, 1, PngWriter.Grey, 2, packed));

        Assert.Equal([0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255], decoded.Pixels);
    }

    [Fact]
    public void Decode_LooksUpPaletteColours_WhenPngIsIndexedWithTransparentEntries()
    {
        byte[] palette = [10, 20, 30, 40, 50, 60, 70, 80, 90];

        var decoded = ImageDecoder.Decode(PngWriter.Write(3, 1, PngWriter.Palette, 8, [2, 0, 1], palette, transparency: [0, 0]));

        Assert.Equal([70, 80, 90, 10, 20, 30, 40, 50, 60], decoded.Pixels);
    }

    [Fact]
    public void Decode_KeepsHighByte_WhenPngIsSixteenBitGrey()
    {
        // The documented difference from Pillow (which clips the 16-bit value to 255): see ImageDecoder.
        var decoded = ImageDecoder.Decode(PngWriter.Write(2, 1, PngWriter.Grey, 16, [0x12, 0x34, 0x00, 0xC8]));

        Assert.Equal([0x12, 0x12, 0x12, 0, 0, 0], decoded.Pixels);
    }

    [Fact]
    public void Decode_AppliesNoGamma_WhenPngHasGamaChunk()
    {
        var picture = TestImages.Gradient(16, 4);
        byte[] gammaOne = [0, 1, 0x86, 0xA0]; // gamma 1.0: a colour-managed decoder would brighten everything

        var decoded = ImageDecoder.Decode(PngWriter.Write(16, 4, PngWriter.Rgb, 8, picture.Pixels, extraChunks: [("gAMA", gammaOne)]));

        Assert.Equal(picture.Pixels, decoded.Pixels);
    }

    [Fact]
    public void Decode_ReturnsStoredPixels_WhenWebPIsLossless()
    {
        var picture = TestImages.Gradient(45, 31, noise: 30);

        Assert.Equal(picture.Pixels, ImageDecoder.Decode(SkiaEncoder.WebP(picture, lossless: true)).Pixels);
    }

    [Fact]
    public void Decode_ReturnsNearbyPixels_WhenJpegIsHighQuality()
    {
        var picture = TestImages.Gradient(64, 48);

        var decoded = ImageDecoder.Decode(SkiaEncoder.Jpeg(picture, 95));

        double meanError = decoded.Pixels.Zip(picture.Pixels, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanError < 2, $"mean error {meanError}");
    }

    [Fact]
    public void Decode_IgnoresExifOrientation_WhenJpegSaysRotate90()
    {
        var jpeg = ExifOrientation.Insert(SkiaEncoder.Jpeg(TestImages.Gradient(40, 10), 90), orientation: 6);

        var decoded = ImageDecoder.Decode(jpeg);

        Assert.Equal((40, 10), (decoded.Width, decoded.Height));
        Assert.True(decoded.Pixels[(39) * 3] > 200, "red rises to the right, as stored");
    }

    [Fact]
    public void Decode_ReturnsFirstFrame_WhenGifIsAnimated()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0];
        var red = new GifFrame(0, 0, 2, 2, [0, 0, 0, 0]);
        var green = new GifFrame(0, 0, 2, 2, [1, 1, 1, 1]);

        var decoded = ImageDecoder.Decode(GifWriter.Write(2, 2, palette, red, green));

        Assert.Equal(Enumerable.Repeat<byte[]>([255, 0, 0], 4).SelectMany(p => p), decoded.Pixels);
    }

    [Fact]
    public void Decode_ShowsTransparentIndexColour_WhenGifPixelIsTransparent()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0, 9, 8, 7];
        var frame = new GifFrame(0, 0, 3, 1, [0, 2, 1]) { TransparentIndex = 2 };

        var decoded = ImageDecoder.Decode(GifWriter.Write(3, 1, palette, frame));

        Assert.Equal([255, 0, 0, 9, 8, 7, 0, 255, 0], decoded.Pixels);
    }

    [Fact]
    public void Decode_FillsWithIndexZeroColour_WhenGifFrameIsSmallerThanCanvas()
    {
        byte[] palette = [1, 2, 3, 200, 201, 202];
        var frame = new GifFrame(1, 0, 1, 1, [1]);

        var decoded = ImageDecoder.Decode(GifWriter.Write(3, 1, palette, frame));

        Assert.Equal([1, 2, 3, 200, 201, 202, 1, 2, 3], decoded.Pixels);
    }
}
