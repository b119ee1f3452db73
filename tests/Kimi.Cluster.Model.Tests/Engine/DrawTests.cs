using Kimi.Cluster.Model.Engine;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Engine;

/// <summary>
/// A draw equals the definition computed here in double precision over the whole vocabulary:
/// probabilities softmax(logits / T), sorted descending, cut to top-k then to the top-p nucleus,
/// and the first token whose cumulative mass passes u · kept mass. Peaked rows take the sampler's
/// shortcut (only its best candidates sorted), flat rows its full sort: both must agree with it.
/// </summary>
public sealed class DrawTests
{
    private const int Vocab = 5000;

    [Theory]
    [InlineData(0.95f, 0, 8f)]   // peaked: the nucleus lies among the best candidates
    [InlineData(0.95f, 0, 0.5f)] // flat: the nucleus needs most of the vocabulary
    [InlineData(1f, 0, 8f)]
    [InlineData(1f, 40, 1f)]
    [InlineData(0.5f, 600, 2f)]
    public void Sample_DrawsWhatTheDefinitionDraws(float topP, int topK, float spread)
    {
        manual_seed(17);
        using var logits = randn(8, Vocab) * spread;
        var sampling = new SamplingParams { Temperature = 0.8f, TopP = topP, TopK = topK, Seed = 1 };
        for (int trial = 0; trial < 6; trial++)
        {
            var generators = Enumerable.Range(0, 8).Select(r => new SeededRandom((ulong)(r + 10 * trial))).ToArray();
            var picked = TokenSampler.Sample(logits, [.. Enumerable.Repeat(sampling, 8)], generators,
                [.. Enumerable.Range(0, 8).Select(_ => (IReadOnlyDictionary<int, int>)new Dictionary<int, int>())]);
            for (int row = 0; row < 8; row++)
            {
                double u = new SeededRandom((ulong)(row + 10 * trial)).NextDouble();
                Assert.Equal(Reference(logits[row].data<float>().ToArray(), sampling, u), picked[row].TokenId);
            }
        }
    }

    private static int Reference(float[] logits, SamplingParams p, double u)
    {
        double max = logits.Max();
        double[] weights = [.. logits.Select(l => Math.Exp((l - max) / p.Temperature))];
        double sum = weights.Sum();
        int[] order = [.. Enumerable.Range(0, logits.Length).OrderByDescending(i => weights[i])];
        int keep = p.TopK > 0 ? p.TopK : order.Length;
        double cumulative = 0;
        for (int k = 0; k < keep && p.TopP < 1f; k++)
        {
            cumulative += weights[order[k]] / sum;
            if (cumulative >= p.TopP)
            {
                keep = k + 1;
                break;
            }
        }
        double target = u * order.Take(keep).Sum(i => weights[i] / sum);
        foreach (int i in order.Take(keep))
        {
            target -= weights[i] / sum;
            if (target < 0)
                return i;
        }
        return order[keep - 1];
    }
}
