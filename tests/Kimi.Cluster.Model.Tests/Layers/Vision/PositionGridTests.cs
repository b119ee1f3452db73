using Kimi.Cluster.Model.Layers.Vision;
using Kimi.Cluster.Tests.Shared.Reference;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Layers.Vision;

/// <summary>
/// The position grid's resampling against torch's bicubic written out in double (MOONVIT.md §2.2:
/// A = −0.75, src = (dst + 0.5)·in/out − 0.5 unclamped, taps floor(src) − 1 … + 2 clamped to the
/// grid, no antialias), and the stored grid itself when the image has the grid's size.
/// </summary>
public sealed class PositionGridTests
{
    private const int Height = 8, Width = 8, Channels = 3;
    private const double A = -0.75;

    [Theory]
    [InlineData(12, 10)] // larger both ways
    [InlineData(4, 6)]   // smaller both ways: still no antialias
    [InlineData(6, 12)]  // shrinks rows, stretches columns
    public void Forward_MatchesTorchBicubic_WhenTheImageIsAnotherSize(int rows, int columns)
    {
        var grid = RandomGrid();
        using var weight = tensor(grid.Select(v => (float)v).ToArray(), [Height, Width, Channels]);
        using var positions = new PositionGrid(weight.clone());

        using var resampled = positions.Forward(new ImageGrid(rows, columns));

        Assert.Equal([(long)rows * columns, Channels], resampled.shape);
        float[] ours = resampled.data<float>().ToArray();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                for (int ch = 0; ch < Channels; ch++)
                    Assert.Equal(Bicubic(grid, r, c, ch, rows, columns), ours[(r * columns + c) * Channels + ch], 2e-6);
            }
        }
    }

    [Fact]
    public void Forward_IsTheStoredGrid_WhenTheImageHasTheGridsSize()
    {
        var grid = RandomGrid().Select(v => (float)v).ToArray();
        using var positions = new PositionGrid(tensor(grid, [Height, Width, Channels]));

        using var same = positions.Forward(new ImageGrid(Height, Width));

        Assert.Equal(grid, same.data<float>().ToArray());
    }

    private static double[] RandomGrid()
    {
        var random = new SplitMix64(7);
        return Enumerable.Range(0, Height * Width * Channels).Select(_ => random.NextNormal()).ToArray();
    }

    /// <summary>The separable sum over the 4×4 taps (torch runs the column pass first: the same products).</summary>
    private static double Bicubic(double[] grid, int row, int column, int channel, int rows, int columns)
    {
        var (rowTaps, rowWeights) = Taps(row, Height, rows);
        var (columnTaps, columnWeights) = Taps(column, Width, columns);
        double sum = 0;
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
                sum += rowWeights[i] * columnWeights[j] * grid[(rowTaps[i] * Width + columnTaps[j]) * Channels + channel];
        }
        return sum;
    }

    private static (int[] Index, double[] Weight) Taps(int destination, int input, int output)
    {
        double source = (destination + 0.5) * input / output - 0.5;
        int floor = (int)Math.Floor(source);
        double t = source - floor;
        int[] index = [.. Enumerable.Range(floor - 1, 4).Select(i => Math.Clamp(i, 0, input - 1))];
        return (index, [Far(t + 1), Near(t), Near(1 - t), Far(2 - t)]);
    }

    private static double Near(double x) => ((A + 2) * x - (A + 3)) * x * x + 1;

    private static double Far(double x) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
}
