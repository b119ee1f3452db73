using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.AttentionWorker.Requests;
using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.AttentionWorker.Tests.Requests;

public sealed class GenerateRequestMapperTests
{
    private static readonly ModelDescriptor Model = new("m", VocabSize: 100, MaxPositionEmbeddings: 64, [2], DateTimeOffset.UnixEpoch);

    [Fact]
    public void ToDomain_CarriesEveryFieldToTheEngineRequest()
    {
        var request = Valid();
        request.Sampling = new SamplingOptions { Temperature = 0.7f, TopP = 0.9f, TopK = 40, Seed = 99, PresencePenalty = -0.5f, FrequencyPenalty = 1.25f };
        request.StopTokenIds.Add(7);
        request.Logprobs = 3;
        request.IgnoreEos = true;

        var mapped = GenerateRequestMapper.ToDomain(request, Model);

        Assert.Equal([1, 2, 3], mapped.PromptTokenIds);
        Assert.Equal(0.7f, mapped.Sampling.Temperature);
        Assert.Equal(0.9f, mapped.Sampling.TopP);
        Assert.Equal(40, mapped.Sampling.TopK);
        Assert.Equal(99ul, mapped.Sampling.Seed);
        Assert.Equal(-0.5f, mapped.Sampling.PresencePenalty);
        Assert.Equal(1.25f, mapped.Sampling.FrequencyPenalty);
        Assert.Equal(5, mapped.Sampling.MaxTokens);
        Assert.Equal([7], mapped.Sampling.StopTokenIds);
        Assert.Equal(3, mapped.Sampling.Logprobs);
        Assert.True(mapped.Sampling.IgnoreEos);
    }

    [Fact]
    public void ToDomain_KeepsAnAbsentSeedAbsentAndMakesAbsentSamplingGreedy()
    {
        var request = Valid();
        request.Sampling = null;

        var mapped = GenerateRequestMapper.ToDomain(request, Model);

        Assert.Null(mapped.Sampling.Seed);
        Assert.True(mapped.Sampling.IsGreedy);
        Assert.Equal(1f, mapped.Sampling.TopP);
        Assert.False(mapped.Sampling.HasPenalties);
    }

    [Theory]
    [InlineData(-2f)]
    [InlineData(2f)]
    public void ToDomain_AcceptsPenalties_WhenTheyAreAtTheLimits(float value)
    {
        var request = Valid();
        request.Sampling.PresencePenalty = value;
        request.Sampling.FrequencyPenalty = value;

        var mapped = GenerateRequestMapper.ToDomain(request, Model);

        Assert.Equal(value, mapped.Sampling.PresencePenalty);
        Assert.Equal(value, mapped.Sampling.FrequencyPenalty);
    }

    public static TheoryData<Action<GenerateRequest>, string> Refusals() => new()
    {
        { request => request.PromptTokenIds.Clear(), "prompt_token_ids" },
        { request => request.PromptTokenIds.Add(100), "prompt_token_ids" },
        { request => request.PromptTokenIds.Add(-1), "prompt_token_ids" },
        { request => request.PromptTokenIds.AddRange(Enumerable.Repeat(1, 61)), "prompt_token_ids" },
        { request => request.MaxTokens = 0, "max_tokens" },
        { request => request.MaxTokens = 62, "max_tokens" },
        { request => request.MaxTokens = uint.MaxValue, "max_tokens" },
        { request => request.Sampling.Temperature = -1, "temperature" },
        { request => request.Sampling.Temperature = float.NaN, "temperature" },
        { request => request.Sampling.TopP = 0, "top_p" },
        { request => request.Sampling.TopP = 1.01f, "top_p" },
        { request => request.Sampling.TopK = -2, "top_k" },
        { request => request.Logprobs = 21, "logprobs" },
        { request => request.Sampling.PresencePenalty = 2.5f, "presence_penalty" },
        { request => request.Sampling.PresencePenalty = -2.01f, "presence_penalty" },
        { request => request.Sampling.PresencePenalty = float.NaN, "presence_penalty" },
        { request => request.Sampling.FrequencyPenalty = -3, "frequency_penalty" },
        { request => request.Sampling.FrequencyPenalty = float.PositiveInfinity, "frequency_penalty" },
        { request => request.StopTokenIds.Add(100), "stop_token_ids" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void ToDomain_NamesTheFieldInItsRefusals(Action<GenerateRequest> spoil, string field)
    {
        var request = Valid();
        spoil(request);

        var error = Assert.Throws<InvalidRequestException>(() => GenerateRequestMapper.ToDomain(request, Model));

        Assert.Equal(field, error.Field);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToDomain_AcceptsPromptAndMaxTokens_WhenTheyFillTheContextExactly()
    {
        var request = Valid();
        request.MaxTokens = 61;

        Assert.Equal(61, GenerateRequestMapper.ToDomain(request, Model).Sampling.MaxTokens);
    }

    private static GenerateRequest Valid()
    {
        var request = new GenerateRequest { MaxTokens = 5, Sampling = new SamplingOptions { Temperature = 1, TopP = 1 } };
        request.PromptTokenIds.AddRange([1, 2, 3]);
        return request;
    }
}
