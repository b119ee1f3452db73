using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Tests.Support;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Engine;

/// <summary>
/// Presence and frequency penalties, checked against OpenAI's definition computed here in double
/// precision: logits[t] -= frequency * count(t) + presence * (count(t) > 0), over generated tokens.
/// </summary>
public sealed class PenaltyTests
{
    private static readonly Lazy<LoadedModel> Tiny = new(() => LoadedModel.CreateBuiltInTiny());
    private static readonly int[] Prompt = [4, 8, 15, 16, 23, 42];

    private static Dictionary<int, int> Counts(IEnumerable<int> tokens) =>
        tokens.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());

    private static double Reference(double logit, int count, double presence, double frequency) =>
        logit - (frequency * count) - (count > 0 ? presence : 0);

    [Fact]
    public void Penalize_MatchesTheDefinition_AndGreedyPicksThePenalizedArgmax()
    {
        const int rows = 6, vocab = 300;
        var random = new Random(11);
        manual_seed(11);
        using var logits = randn(rows, vocab) * 3;
        float[][] raw = Enumerable.Range(0, rows).Select(r => logits[r].data<float>().ToArray()).ToArray();
        var sampling = new SamplingParams[rows];
        var counts = new Dictionary<int, int>[rows];
        for (int r = 0; r < rows; r++)
        {
            sampling[r] = new SamplingParams
            {
                Temperature = 0,
                PresencePenalty = (float)(random.NextDouble() * 4 - 2),
                FrequencyPenalty = (float)(random.NextDouble() * 4 - 2),
            };
            // Draw generated tokens mostly from the top of the row so the penalties matter to the argmax.
            var likely = raw[r].Select((v, t) => (v, t)).OrderByDescending(x => x.v).Take(8).Select(x => x.t).ToArray();
            counts[r] = Counts(Enumerable.Range(0, 12).Select(_ => random.Next(3) == 0 ? random.Next(vocab) : likely[random.Next(likely.Length)]));
        }

        var picked = TokenSampler.Sample(logits, sampling, Enumerable.Range(0, rows).Select(_ => new SeededRandom(1)).ToArray(), counts);

        for (int r = 0; r < rows; r++)
        {
            var p = sampling[r];
            double[] expected = raw[r].Select((v, t) => Reference(v, counts[r].GetValueOrDefault(t), p.PresencePenalty, p.FrequencyPenalty)).ToArray();
            float[] actual = TokenSampler.Penalize(logits[r], p, counts[r]).data<float>().ToArray();
            for (int t = 0; t < vocab; t++)
                Assert.True(Math.Abs(expected[t] - actual[t]) <= 1e-5, $"row {r} token {t}: {actual[t]} vs {expected[t]}");
            int argmax = Array.IndexOf(expected, expected.Max());
            Assert.Equal(argmax, picked[r].TokenId);
            // The reported log-probability stays that of the raw logits.
            double logSum = Math.Log(raw[r].Sum(v => Math.Exp(v)));
            Assert.Equal(raw[r][argmax] - logSum, picked[r].Logprob, 1e-4);
        }
    }

    [Fact]
    public void Penalize_WithoutPenaltiesOrHistory_ReturnsTheRowItself()
    {
        using var row = randn(50);
        Assert.Same(row, TokenSampler.Penalize(row, new SamplingParams(), Counts([1, 1, 2])));
        Assert.Same(row, TokenSampler.Penalize(row, new SamplingParams { FrequencyPenalty = 1 }, Counts([])));
    }

    /// <summary>
    /// The penalized greedy token of one step from that step's top-20 raw log-probabilities.
    /// With non-negative penalties no token outside the top 20 can win once the best penalized
    /// value is at least the 20th raw one, so the test insists on that.
    /// </summary>
    private static int ExpectedToken(GeneratedToken step, Dictionary<int, int> counts, SamplingParams p)
    {
        var penalized = step.TopLogprobs
            .Select(t => (t.TokenId, Value: Reference(t.Logprob, counts.GetValueOrDefault(t.TokenId), p.PresencePenalty, p.FrequencyPenalty)))
            .OrderByDescending(x => x.Value).ToArray();
        Assert.True(penalized[0].Value >= step.TopLogprobs[^1].Logprob, "the top 20 cannot decide the penalized argmax");
        Assert.True(penalized.Length < 2 || penalized[0].Value - penalized[1].Value > 1e-4, "a near tie");
        return penalized[0].TokenId;
    }

    /// <summary>The first step at which the penalized choice differs from the generated token, or -1.</summary>
    private static int FirstPenalizedChange(IReadOnlyList<GeneratedToken> tokens, SamplingParams p)
    {
        for (int k = 0; k < tokens.Count; k++)
        {
            if (ExpectedToken(tokens[k], Counts(tokens.Take(k).Select(t => t.TokenId)), p) != tokens[k].TokenId)
                return k;
        }
        return -1;
    }

    [Theory]
    [InlineData(0f, 2f)]
    [InlineData(2f, 0f)]
    [InlineData(0.5f, 1.5f)]
    public void GreedyWithPenalties_FollowsTheReferenceAtEveryStep_AndLeavesPlainGreedyAtItsFirstPenalizedRepeat(float presence, float frequency)
    {
        var plainParams = new SamplingParams { Temperature = 0, MaxTokens = 40, Logprobs = 20, IgnoreEos = true };
        var penalizedParams = plainParams with { PresencePenalty = presence, FrequencyPenalty = frequency };
        var plain = Tiny.Value.Generate([new GenerationRequest(Prompt, plainParams)])[0].Tokens;
        var penalized = Tiny.Value.Generate([new GenerationRequest(Prompt, penalizedParams)])[0].Tokens;

        for (int k = 0; k < penalized.Count; k++)
            Assert.Equal(ExpectedToken(penalized[k], Counts(penalized.Take(k).Select(t => t.TokenId)), penalizedParams), penalized[k].TokenId);

        int change = FirstPenalizedChange(plain, penalizedParams);
        Assert.True(change >= 0, "plain greedy never repeats a token the penalty displaces; the test proves nothing");
        Assert.Contains(plain[change].TokenId, plain.Take(change).Select(t => t.TokenId));
        Assert.Equal(plain.Take(change).Select(t => t.TokenId), penalized.Take(change).Select(t => t.TokenId));
        Assert.NotEqual(plain[change].TokenId, penalized[change].TokenId);
    }

    [Fact]
    public void ZeroPenalties_GiveExactlyThePlainTokens()
    {
        var greedy = new SamplingParams { Temperature = 0, MaxTokens = 24, Logprobs = 1, IgnoreEos = true };
        var sampled = new SamplingParams { Temperature = 1.2f, TopK = 50, Seed = 5, MaxTokens = 24, IgnoreEos = true };
        foreach (var p in new[] { greedy, sampled })
        {
            var without = Tiny.Value.Generate([new GenerationRequest(Prompt, p)])[0].Tokens;
            var zero = Tiny.Value.Generate([new GenerationRequest(Prompt, p with { PresencePenalty = 0f, FrequencyPenalty = -0f })])[0].Tokens;
            Assert.Equal(without.Select(t => t.TokenId), zero.Select(t => t.TokenId));
            Assert.Equal(without.Select(t => t.Logprob), zero.Select(t => t.Logprob));
        }
        // Plain greedy is still the raw argmax at every step.
        var plain = Tiny.Value.Generate([new GenerationRequest(Prompt, greedy)])[0].Tokens;
        Assert.All(plain, t => Assert.Equal(t.TopLogprobs[0].TokenId, t.TokenId));
    }

    [Theory]
    [InlineData(-2.01f, 0f, "presence_penalty")]
    [InlineData(2.01f, 0f, "presence_penalty")]
    [InlineData(float.NaN, 0f, "presence_penalty")]
    [InlineData(0f, -2.5f, "frequency_penalty")]
    [InlineData(0f, float.PositiveInfinity, "frequency_penalty")]
    public void OutOfRangePenalty_IsRefusedWithTheParameterName(float presence, float frequency, string param)
    {
        var p = new SamplingParams { PresencePenalty = presence, FrequencyPenalty = frequency };
        Assert.Equal(param, Assert.Throws<ArgumentOutOfRangeException>(p.Validate).ParamName);
    }

    [Theory]
    [InlineData(-2f)]
    [InlineData(2f)]
    public void PenaltiesAtTheLimits_AreAccepted(float value) =>
        new SamplingParams { PresencePenalty = value, FrequencyPenalty = value }.Validate();
}
