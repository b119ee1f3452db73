using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Resizing;
using Kimi.Cluster.Vision.Pixels;

namespace Kimi.Cluster.Vision.Tests;

/// <summary>Normalisation values and the patch layout (HF's reshape/transpose), checked element by element.</summary>
public sealed class NavitPatchifierTests
{
    [Theory]
    [InlineData(0, 0xBF800000u)]
    [InlineData(1, 0xBF7DFDFEu)]
    [InlineData(127, 0xBB808080u)]
    [InlineData(128, 0x3B808100u)]
    [InlineData(254, 0x3F7DFDFEu)]
    [InlineData(255, 0x3F800000u)]
    public void Normalize_GivesNumpyFloat32Bits_ForChannelByte(byte value, uint expectedBits)
    {
        // Bit patterns printed by numpy: ((u8 / 255.0).astype(float32) - 0.5) * 2.
        Assert.Equal(expectedBits, BitConverter.SingleToUInt32Bits(PixelNormalization.Normalize(value)));
    }

    [Fact]
    public void Normalize_IsStrictlyIncreasing_OverAllBytes()
    {
        var table = PixelNormalization.Table.ToArray();

        Assert.Equal(256, table.Length);
        Assert.True(table.Zip(table.Skip(1)).All(p => p.First < p.Second));
    }

    [Fact]
    public void Patchify_PutsEveryPixelAtItsPatchChannelRowAndColumn()
    {
        // 30x17 pads to 56x28: 2 rows by 4 columns of 14-pixel patches, 26 columns and 11 rows of them padding.
        var image = new RgbImage(30, 17, [.. Enumerable.Range(0, 30 * 17 * 3).Select(i => (byte)(i * 7 % 251))]);
        var plan = NavitResize.Plan(30, 17);

        var values = NavitPatchifier.Patchify(image, plan);

        Assert.Equal((2, 4), (plan.GridRows, plan.GridColumns));
        Assert.Equal(2 * 4 * 3 * 14 * 14, values.Length);
        for (int y = 0; y < plan.PaddedHeight; y++)
        {
            for (int x = 0; x < plan.PaddedWidth; x++)
            {
                for (int channel = 0; channel < 3; channel++)
                {
                    int index = (((y / 14) * plan.GridColumns + x / 14) * 3 + channel) * 196 + (y % 14) * 14 + x % 14;
                    byte expected = y < 17 && x < 30 ? image.Pixels[(y * 30 + x) * 3 + channel] : (byte)0;
                    Assert.Equal(PixelNormalization.Normalize(expected), values[index]);
                }
            }
        }
    }

    [Fact]
    public void Patchify_FillsPaddingWithMinusOne_WhenImageIsOnePixel()
    {
        var values = NavitPatchifier.Patchify(new RgbImage(1, 1, [255, 255, 255]), NavitResize.Plan(1, 1));

        Assert.Equal(4 * 588, values.Length);
        Assert.Equal([1f, 1f, 1f], new[] { values[0], values[196], values[392] });
        Assert.Equal(4 * 588 - 3, values.Count(v => v == -1f));
    }

    [Fact]
    public void Patchify_Throws_WhenImageIsNotThePlansSize()
    {
        var plan = NavitResize.Plan(30, 17);

        Assert.Throws<ArgumentException>(() => NavitPatchifier.Patchify(new RgbImage(29, 17, new byte[29 * 17 * 3]), plan));
    }
}
