using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Tests.Support;

namespace Kimi.Cluster.Vision.Tests;

/// <summary>Formats come from the bytes' signatures.</summary>
public sealed class ImageFormatSnifferTests
{
    [Fact]
    public void Sniff_RecognisesEachSupportedFormat_FromRealFiles()
    {
        var picture = TestImages.Noise(4, 4);

        Assert.Equal(EncodedImageFormat.Png, ImageFormatSniffer.Sniff(SkiaEncoder.Png(picture)));
        Assert.Equal(EncodedImageFormat.Jpeg, ImageFormatSniffer.Sniff(SkiaEncoder.Jpeg(picture, 90)));
        Assert.Equal(EncodedImageFormat.WebP, ImageFormatSniffer.Sniff(SkiaEncoder.WebP(picture, lossless: true)));
        Assert.Equal(EncodedImageFormat.Gif, ImageFormatSniffer.Sniff(GifWriter.Write(1, 1, [0, 0, 0], new GifFrame(0, 0, 1, 1, [0]))));
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x00, 0x01, 0x00, 1, 0 }, EncodedImageFormat.Ico)]
    [InlineData(new byte[] { (byte)'8', (byte)'B', (byte)'P', (byte)'S' }, EncodedImageFormat.Psd)]
    [InlineData(new byte[] { 0xFF, 0x0A, 0, 0 }, EncodedImageFormat.JpegXl)]
    [InlineData(new byte[] { 0, 0, 0, 0x0C, (byte)'j', (byte)'P', (byte)' ', (byte)' ', 0x0D, 0x0A, 0x87, 0x0A }, EncodedImageFormat.Jpeg2000)]
    [InlineData(new byte[] { (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'7', (byte)'a' }, EncodedImageFormat.Gif)]
    [InlineData(new byte[] { 0xFF, 0xD8 }, EncodedImageFormat.Unknown)] // too short to be sure
    [InlineData(new byte[] { }, EncodedImageFormat.Unknown)]
    public void Sniff_ReturnsFormat_ForSignature(byte[] bytes, EncodedImageFormat expected)
    {
        Assert.Equal(expected, ImageFormatSniffer.Sniff(bytes));
    }

    [Fact]
    public void Sniff_IgnoresTheDeclaredType_WhenPngBytesComeLabelledAsJpeg()
    {
        // A data URL may say image/jpeg over PNG bytes; only the bytes are asked.
        var png = SkiaEncoder.Png(TestImages.Noise(2, 2));

        Assert.Equal(EncodedImageFormat.Png, ImageFormatSniffer.Sniff(png));
        Assert.Equal(2, ImageDecoder.Decode(png).Width);
    }

    [Fact]
    public void Sniff_ReturnsUnknown_WhenXmlIsNotSvg()
    {
        Assert.Equal(EncodedImageFormat.Unknown, ImageFormatSniffer.Sniff("<?xml version=\"1.0\"?><html/>"u8));
        Assert.Equal(EncodedImageFormat.Svg, ImageFormatSniffer.Sniff([0xEF, 0xBB, 0xBF, .. "  <svg width=\"1\"/>"u8]));
    }
}
