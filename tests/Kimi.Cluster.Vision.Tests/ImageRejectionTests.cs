using System.Diagnostics;
using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Tests.Support;

namespace Kimi.Cluster.Vision.Tests;

/// <summary>Every <see cref="ImageRejectionReason"/>, with a message that says what was wrong.</summary>
public sealed class ImageRejectionTests
{
    [Fact]
    public void Decode_RejectsAsEmpty_WhenThereAreNoBytes()
    {
        var error = Assert.Throws<ImageRejectedException>(() => ImageDecoder.Decode([]));

        Assert.Equal(ImageRejectionReason.Empty, error.Reason);
    }

    [Fact]
    public void Decode_RejectsAsTooManyBytes_BeforeLookingAtThem()
    {
        var png = PngWriter.Write(8, 8, PngWriter.Rgb, 8, new byte[8 * 8 * 3]);

        var error = Assert.Throws<ImageRejectedException>(() => ImageDecoder.Decode(png, new ImageDecodingLimits { MaxEncodedBytes = png.Length - 1 }));

        Assert.Equal(ImageRejectionReason.TooManyBytes, error.Reason);
        Assert.Contains($"{png.Length} bytes", error.Message);
    }

    [Theory]
    [InlineData("BM\x36\0\0\0\0\0\0\0\x36\0\0\0", EncodedImageFormat.Bmp)]
    [InlineData("II*\0\x08\0\0\0", EncodedImageFormat.Tiff)]
    [InlineData("MM\0*\0\0\0\x08", EncodedImageFormat.Tiff)]
    [InlineData("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>", EncodedImageFormat.Svg)]
    [InlineData("\0\0\0\x18" + "ftypheic\0\0\0\0", EncodedImageFormat.Heif)]
    [InlineData("\0\0\0\x1C" + "ftypavif\0\0\0\0", EncodedImageFormat.Avif)]
    public void Decode_RejectsAsUnsupportedNamingTheFormat_WhenFormatIsNotDecoded(string header, EncodedImageFormat format)
    {
        byte[] bytes = [.. header.Select(c => (byte)c), .. new byte[64]];

        var error = Assert.Throws<ImageRejectedException>(() => ImageDecoder.Decode(bytes));

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, error.Reason);
        Assert.Equal(format, error.Format);
        Assert.Contains(format.ToString(), error.Message);
    }

    [Fact]
    public void Decode_RejectsAsUnsupported_WhenBytesAreNoImageAtAll()
    {
        var error = Assert.Throws<ImageRejectedException>(() => ImageDecoder.Decode("hello, world"u8));

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, error.Reason);
        Assert.Contains("not a recognised image format", error.Message);
    }

    [Fact]
    public void Decode_RejectsAsUndecodable_WhenPngDataIsGarbage()
    {
        byte[] bytes = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. EncodedSamples.Samples(100, 256, seed: 1)];

        Assert.Equal(ImageRejectionReason.Undecodable, Assert.Throws<ImageRejectedException>(() => ImageDecoder.Decode(bytes)).Reason);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpeg")]
    [InlineData("webp")]
    public void Decode_RejectsAsUndecodable_WhenFileIsTruncated(string format)
    {
        var picture = TestImages.Noise(64, 64);
        byte[] whole = format switch
        {
            "png" => PngWriter.Write(64, 64, PngWriter.Rgb, 8, picture.Pixels),
            "jpeg" => SkiaEncoder.Jpeg(picture, 90),
            _ => SkiaEncoder.WebP(picture, lossless: true),
        };

        var error = Assert.Throws<ImageRejectedException>(() => ImageDecoder.Decode(whole.AsSpan(0, whole.Length / 2)));

        Assert.Equal(ImageRejectionReason.Undecodable, error.Reason);
    }

    [Fact]
    public void Decode_RejectsAsZeroSize_WhenPngDeclaresNoWidth()
    {
        var error = Assert.Throws<ImageRejectedException>(() => ImageDecoder.Decode(PngWriter.Write(0, 5, PngWriter.Rgb, 8, [])));

        Assert.Equal(ImageRejectionReason.ZeroSize, error.Reason);
        Assert.Contains("0x5", error.Message);
    }

    [Fact]
    public void Decode_RejectsAsTooManyPixelsFromTheHeaderAlone_WhenSizeIsHuge()
    {
        // 100000 x 100000 declared, one row of data: decoding would need 40 GB, reading the header needs nothing.
        var bomb = PngWriter.Write(100_000, 100_000, PngWriter.Rgb, 8, new byte[100_000 * 3]);
        var stopwatch = Stopwatch.StartNew();

        var error = Assert.Throws<ImageRejectedException>(() => ImageDecoder.Decode(bomb));

        Assert.Equal(ImageRejectionReason.TooManyPixels, error.Reason);
        Assert.Contains("100000x100000", error.Message);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void Decode_RejectsAsTooManyPixels_WhenCompressedBombExceedsLimit()
    {
        // 4 megapixels of zeros compress to a few kilobytes: the byte limit cannot catch it, the pixel limit must.
        var bomb = PngWriter.Write(2000, 2000, PngWriter.Grey, 8, new byte[2000 * 2000]);
        var limits = new ImageDecodingLimits { MaxPixels = 1_000_000 };

        Assert.True(bomb.Length < 100_000, $"{bomb.Length} bytes");
        Assert.Equal(ImageRejectionReason.TooManyPixels, Assert.Throws<ImageRejectedException>(() => ImageDecoder.Decode(bomb, limits)).Reason);
    }
}
