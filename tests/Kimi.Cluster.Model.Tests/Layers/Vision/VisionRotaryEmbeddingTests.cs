using Kimi.Cluster.Model.Layers.Vision;

namespace Kimi.Cluster.Model.Tests.Layers.Vision;

/// <summary>The 2D RoPE table against a plain double loop over MOONVIT.md §2.3's definition.</summary>
public sealed class VisionRotaryEmbeddingTests
{
    [Fact]
    public void Angles_TurnEvenPairsByColumnAndOddPairsByRow_WithEachImageFromZero()
    {
        const int headDim = 24;
        ImageGrid[] images = [new(4, 6), new(2, 2)];
        var (cos, sin) = new VisionRotaryEmbedding(headDim).Angles(images);
        using var _ = cos;
        using var __ = sin;
        float[] c = cos.data<float>().ToArray(), s = sin.data<float>().ToArray();

        Assert.Equal([28L, headDim / 2], cos.shape);
        int patch = 0;
        foreach (var image in images)
        {
            for (int row = 0; row < image.Rows; row++)
            {
                for (int column = 0; column < image.Columns; column++, patch++)
                {
                    for (int k = 0; k < headDim / 2; k++)
                    {
                        double frequency = 1.0 / Math.Pow(10000, 4.0 * (k / 2) / headDim);
                        double angle = (k % 2 == 0 ? column : row) * frequency;
                        Assert.Equal(Math.Cos(angle), c[patch * headDim / 2 + k], 1e-7);
                        Assert.Equal(Math.Sin(angle), s[patch * headDim / 2 + k], 1e-7);
                    }
                }
            }
        }
    }

    [Fact]
    public void Frequencies_AreK25s18_WhenTheHeadIs72Wide()
    {
        var frequencies = VisionRotaryEmbedding.Frequencies(72, 10000);

        Assert.Equal(18, frequencies.Length);
        Assert.Equal(1.0, frequencies[0]);
        Assert.Equal(Math.Pow(10000, -17.0 / 18), frequencies[17], 15);
    }
}
