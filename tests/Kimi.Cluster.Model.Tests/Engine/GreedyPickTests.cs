using Kimi.Cluster.Model.Engine;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Engine;

/// <summary>
/// The plain greedy pick, taken on the logits' memory, against libtorch's argmax on the same rows:
/// ties, signed zeros and NaN included, and through the sampler with and without what sends a row
/// down the libtorch path (penalties, a constraint).
/// </summary>
public sealed class GreedyPickTests
{
    public static TheoryData<string, float[]> Rows => new()
    {
        { "distinct", [0.5f, -1f, 3f, 2.9f, 1f] },
        { "tie: the first wins", [1f, 7f, 3f, 7f, 7f] },
        { "zeros: -0 before +0", [-1f, -0f, -3f, 0f, -2f] },
        { "zeros: +0 before -0", [-1f, 0f, -0f, -2f] },
        { "all -0 and negatives", [-5f, -0f, -0f, -1f] },
        { "NaN: the first NaN", [1f, float.NaN, 9f, float.NaN] },
        { "infinities", [float.NegativeInfinity, float.PositiveInfinity, 3f, float.PositiveInfinity] },
        { "one value", [float.NegativeInfinity] },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void ArgMax_PicksWhatLibtorchsArgmaxPicks(string name, float[] row)
    {
        using var tensorRow = tensor(row);
        long expected = tensorRow.argmax().item<long>();

        Assert.True(expected == LogitRows.ArgMax(row), $"{name}: libtorch {expected}, ours {LogitRows.ArgMax(row)}");
    }

    [Fact]
    public void ArgMax_MatchesLibtorch_OnLargeRowsWithRepeatedValues()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 50; trial++)
        {
            // Few distinct values over a vocabulary-sized row, so the maximum repeats.
            float[] row = [.. Enumerable.Range(0, 8191 + trial).Select(_ => (float)random.Next(-20, 4))];
            using var tensorRow = tensor(row);

            Assert.Equal(tensorRow.argmax().item<long>(), LogitRows.ArgMax(row));
        }
    }

    [Fact]
    public void Sample_GivesTheSameGreedyTokensAndLogprobs_OnTheFastPathAndOffIt()
    {
        manual_seed(3);
        using var logits = randn(4, 1000) * 4;
        var greedy = new SamplingParams { Temperature = 0, Logprobs = 2 };
        // A presence penalty on a token never generated changes nothing, but sends the row through libtorch.
        var penalized = greedy with { PresencePenalty = 1.5f };
        var noCounts = Enumerable.Range(0, 4).Select(_ => (IReadOnlyDictionary<int, int>)new Dictionary<int, int>()).ToArray();
        var unrelated = Enumerable.Range(0, 4).Select(_ => (IReadOnlyDictionary<int, int>)new Dictionary<int, int> { [999] = 1 }).ToArray();
        var generators = Enumerable.Range(0, 4).Select(_ => new SeededRandom(1)).ToArray();

        var fast = TokenSampler.Sample(logits, [.. Enumerable.Repeat(greedy, 4)], generators, noCounts);
        var libtorch = TokenSampler.Sample(logits, [.. Enumerable.Repeat(penalized, 4)], generators, unrelated);

        for (int row = 0; row < 4; row++)
        {
            using var rowLogits = logits[row];
            int best = (int)rowLogits.argmax().item<long>();
            if (best == 999)
                continue; // the penalty would have moved this row's pick; the comparison needs an untouched maximum
            Assert.Equal(best, fast[row].TokenId);
            Assert.Equal(libtorch[row].TokenId, fast[row].TokenId);
            Assert.Equal(libtorch[row].Logprob, fast[row].Logprob);
        }
    }
}
