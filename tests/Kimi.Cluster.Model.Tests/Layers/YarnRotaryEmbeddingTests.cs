using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Layers;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Layers;

public sealed class YarnRotaryEmbeddingTests
{
    [Fact]
    public void InverseFrequencies_MatchHandComputedYarnBlend()
    {
        // d = 8, theta = 10000: extrapolated = 1, 0.1, 0.01, 0.001; interpolated = those / 4.
        // correction dim(r) = 8·ln(64 / (2πr)) / (2·ln 10000): r = 32 → −0.497 → low = 0; r = 1 → 1.008 → high = 2.
        // ramp = (i − 0) / 2 clamped = 0, 0.5, 1, 1, so extrapolated weight = 1, 0.5, 0, 0.
        var yarn = new RopeScaling(Factor: 4, OriginalMaxPositionEmbeddings: 64, BetaFast: 32, BetaSlow: 1);
        var frequencies = YarnRotaryEmbedding.InverseFrequencies(8, 10000, yarn);
        double[] expected = [1.0, 0.1 / 4 * 0.5 + 0.1 * 0.5, 0.01 / 4, 0.001 / 4];
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], frequencies[i], 12);
    }

    [Fact]
    public void InverseFrequencies_WithoutScaling_AreTheRopeBase()
    {
        var frequencies = YarnRotaryEmbedding.InverseFrequencies(4, 100, null);
        Assert.Equal([1.0, 0.1], frequencies.Select(f => Math.Round(f, 12)));
    }

    [Fact]
    public void Apply_RotatesAdjacentPairs()
    {
        // One token at angle θ for pair 0 and φ for pair 1: (a, b) → (a cos − b sin, a sin + b cos).
        double theta = 0.3, phi = 1.1;
        using var cos = tensor(new[] { (float)Math.Cos(theta), (float)Math.Cos(phi) }, [1, 2]);
        using var sin = tensor(new[] { (float)Math.Sin(theta), (float)Math.Sin(phi) }, [1, 2]);
        using var x = tensor(new[] { 1f, 2f, 3f, 4f }, [1, 4]);
        using var rotated = YarnRotaryEmbedding.Apply(x, cos, sin);
        var r = rotated.data<float>().ToArray();
        double[] expected =
        [
            1 * Math.Cos(theta) - 2 * Math.Sin(theta), 1 * Math.Sin(theta) + 2 * Math.Cos(theta),
            3 * Math.Cos(phi) - 4 * Math.Sin(phi), 3 * Math.Sin(phi) + 4 * Math.Cos(phi),
        ];
        for (int i = 0; i < 4; i++)
            Assert.Equal(expected[i], r[i], 5);
    }
}
