using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Tests.Support;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.Model.Tests.Engine;

public sealed class SamplingTests
{
    private static readonly Lazy<LoadedModel> Tiny = new(() => LoadedModel.CreateBuiltInTiny());

    private static int[] Run(SamplingParams sampling, int[]? prompt = null) =>
        Tiny.Value.Generate([new GenerationRequest(prompt ?? [4, 8, 15, 16, 23, 42], sampling)])[0].Tokens.Select(t => t.TokenId).ToArray();

    [Fact]
    public void Generate_GivesTheSameOutputForTheSameSeedAndADifferentOneForADifferentSeed()
    {
        var sampling = new SamplingParams { Temperature = 1.5f, MaxTokens = 12, Seed = 7, IgnoreEos = true };
        Assert.Equal(Run(sampling), Run(sampling));
        Assert.NotEqual(Run(sampling), Run(sampling with { Seed = 8 }));
    }

    /// <summary>
    /// A sampled generation resumed from its prompt plus the tokens it had generated (what a
    /// router does when an attention worker dies) continues with exactly the original's tokens:
    /// the draw for a position depends on the seed and the position only.
    /// </summary>
    [Fact]
    public void Generate_ContinuesIdentically_WhenResumedFromTheGeneratedPrefixWithTheSameSeed()
    {
        int[] prompt = [4, 8, 15, 16, 23, 42];
        var sampling = new SamplingParams { Temperature = 1.3f, TopP = 0.95f, MaxTokens = 14, Seed = 2026, IgnoreEos = true };
        var original = Run(sampling, prompt);

        foreach (int generated in new[] { 1, 5, 13 })
        {
            var resumed = Run(sampling with { MaxTokens = 14 - generated }, [.. prompt, .. original[..generated]]);
            Assert.Equal(original[generated..], resumed);
        }
    }

    /// <summary>
    /// With penalties the resumed request must also say how many of its prompt's tokens were
    /// generated (generated_tokens): they count for the penalties as they did in the original.
    /// Told nothing, the same resume goes another way, so the count is what makes it identical.
    /// </summary>
    [Fact]
    public void Generate_CountsEarlierTokensAndContinuesIdentically_WhenAGenerationWithPenaltiesIsResumed()
    {
        int[] prompt = [4, 8, 15, 16, 23, 42];
        var sampling = new SamplingParams
        {
            Temperature = 0.9f, MaxTokens = 16, Seed = 77, IgnoreEos = true, PresencePenalty = 1.5f, FrequencyPenalty = 2f,
        };
        var original = Run(sampling, prompt);

        bool anyDiffersWithoutTheCount = false;
        foreach (int generated in new[] { 2, 7, 12 })
        {
            int[] resumedPrompt = [.. prompt, .. original[..generated]];
            var remaining = sampling with { MaxTokens = 16 - generated };
            var resumed = Tiny.Value.Generate([new GenerationRequest(resumedPrompt, remaining) { ResumedTokens = generated }])[0];
            Assert.Equal(original[generated..], resumed.Tokens.Select(t => t.TokenId));
            anyDiffersWithoutTheCount |= !original[generated..].SequenceEqual(Run(remaining, resumedPrompt));
        }
        Assert.True(anyDiffersWithoutTheCount, "the penalties never changed a token: the test shows nothing");
    }

    [Fact]
    public void Generate_RefusesTheResumedCount_WhenItLeavesNoOriginalPromptToken()
    {
        var error = Assert.ThrowsAny<ArgumentException>(
            () => Tiny.Value.Generate([new GenerationRequest([5, 6], new SamplingParams { MaxTokens = 2 }) { ResumedTokens = 2 }]));
        Assert.Equal("generated_tokens", error.ParamName);
    }

    [Fact]
    public void SeededRandom_DrawsAsAFunctionOfSeedAndPosition()
    {
        var fromStart = new SeededRandom(99);
        ulong[] stream = [.. Enumerable.Range(0, 8).Select(_ => fromStart.NextUInt64())];
        var fromFive = new SeededRandom(99, firstPosition: 5);

        ulong[] resumed = [fromFive.NextUInt64(), fromFive.NextUInt64(), fromFive.NextUInt64()];
        Assert.Equal(stream[5..], resumed);
        Assert.Equal(stream[3], SeededRandom.At(99, 3));
        // SplitMix64's first output for seed 0 (its published test vector).
        Assert.Equal(0xE220A8397B1DCDAFUL, SeededRandom.At(0, 0));
    }

    [Fact]
    public void TopKOfOne_IsGreedy()
    {
        var greedy = Run(new SamplingParams { Temperature = 0, MaxTokens = 6, IgnoreEos = true });
        Assert.Equal(greedy, Run(new SamplingParams { Temperature = 2f, TopK = 1, MaxTokens = 6, Seed = 3, IgnoreEos = true }));
        Assert.Equal(greedy, Run(new SamplingParams { Temperature = 2f, TopP = 1e-6f, MaxTokens = 6, Seed = 3, IgnoreEos = true }));
    }

    [Fact]
    public void Logprobs_AreNormalised_AndTopAlternativesSortedWithTheGreedyTokenFirst()
    {
        var result = Tiny.Value.Generate([new GenerationRequest([1, 2, 3], new SamplingParams { Temperature = 0, MaxTokens = 3, Logprobs = 20, IgnoreEos = true })])[0];
        foreach (var token in result.Tokens)
        {
            Assert.Equal(20, token.TopLogprobs.Count);
            Assert.Equal(token.TokenId, token.TopLogprobs[0].TokenId);
            Assert.Equal(token.Logprob, token.TopLogprobs[0].Logprob);
            Assert.True(token.TopLogprobs.Zip(token.TopLogprobs.Skip(1)).All(p => p.First.Logprob >= p.Second.Logprob));
            Assert.True(token.TopLogprobs.Sum(t => Math.Exp(t.Logprob)) <= 1.0 + 1e-5);
        }
    }

    [Fact]
    public void StopTokenId_EndsWithStop_AndKeepsTheToken()
    {
        var free = Run(new SamplingParams { Temperature = 0, MaxTokens = 8, IgnoreEos = true });
        var result = Tiny.Value.Generate([new GenerationRequest([4, 8, 15, 16, 23, 42], new SamplingParams { Temperature = 0, MaxTokens = 8, IgnoreEos = true, StopTokenIds = [free[2]] })])[0];
        Assert.Equal(FinishReason.Stop, result.FinishReason);
        Assert.Equal(free[..(Array.IndexOf(free, free[2]) + 1)], result.Tokens.Select(t => t.TokenId));
    }

    [Theory]
    [InlineData(new int[0], "prompt")]
    [InlineData(new[] { 1, 512 }, "prompt")]
    [InlineData(new[] { -1 }, "prompt")]
    public void BadPrompt_IsRefusedWithTheParameterName(int[] prompt, string param)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => Tiny.Value.Generate([new GenerationRequest(prompt, new SamplingParams())]));
        Assert.Equal(param, error.ParamName);
    }

    [Fact]
    public void PromptPlusMaxTokensBeyondContext_IsRefused()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => Tiny.Value.Generate([new GenerationRequest([1], new SamplingParams { MaxTokens = 5000 })]));
        Assert.Equal("max_tokens", error.ParamName);
    }
}
