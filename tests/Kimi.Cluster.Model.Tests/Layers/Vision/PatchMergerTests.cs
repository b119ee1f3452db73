using Kimi.Cluster.Model.Layers.Vision;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Layers.Vision;

/// <summary>The 2×2 merge order against a double loop: tokens row-major, patches (0,0), (0,1), (1,0), (1,1).</summary>
public sealed class PatchMergerTests
{
    [Fact]
    public void Merge_PutsTopLeftTopRightBottomLeftBottomRight_InRowMajorTokens()
    {
        const int hidden = 3;
        ImageGrid[] images = [new(4, 6), new(2, 4)];
        // Each value names its image, row, column and channel.
        static float Code(int image, int row, int column, int channel) => image * 10000 + row * 100 + column + channel * 0.25f;
        var values = images.SelectMany((image, i) =>
            Enumerable.Range(0, image.Patches).SelectMany(p => Enumerable.Range(0, hidden).Select(ch => Code(i, p / image.Columns, p % image.Columns, ch))))
            .ToArray();
        using var x = tensor(values, [values.Length / hidden, hidden]);

        using var merged = PatchMerger.Merge(x, images);

        Assert.Equal([8L, 4 * hidden], merged.shape);
        float[] m = merged.data<float>().ToArray();
        int token = 0;
        for (int i = 0; i < images.Length; i++)
        {
            for (int tokenRow = 0; tokenRow < images[i].Rows / 2; tokenRow++)
            {
                for (int tokenColumn = 0; tokenColumn < images[i].Columns / 2; tokenColumn++, token++)
                {
                    for (int sub = 0; sub < 4; sub++)
                    {
                        for (int ch = 0; ch < hidden; ch++)
                            Assert.Equal(Code(i, 2 * tokenRow + sub / 2, 2 * tokenColumn + sub % 2, ch), m[(token * 4 + sub) * hidden + ch]);
                    }
                }
            }
        }
    }
}
