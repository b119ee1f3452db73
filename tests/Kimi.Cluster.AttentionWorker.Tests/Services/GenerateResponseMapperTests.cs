using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.AttentionWorker.Services;
using Kimi.Cluster.Contracts.V1;
using Domain = Kimi.Cluster.Model.Engine;
using Scheduling = Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Tests.Services;

public sealed class GenerateResponseMapperTests
{
    [Fact]
    public void ToProto_KeepsTheTokensLogprobAndAlternativesInOrder()
    {
        var token = new Domain.GeneratedToken(7, -0.25f, [new(7, -0.25f), new(9, -1.5f)]);

        var proto = GenerateResponseMapper.ToProto(token);

        Assert.Equal(7, proto.TokenId);
        Assert.Equal(-0.25f, proto.Logprob);
        Assert.Equal([7, 9], proto.TopLogprobs.Select(top => top.TokenId));
        Assert.Equal([-0.25f, -1.5f], proto.TopLogprobs.Select(top => top.Logprob));
    }

    [Theory]
    [InlineData(Scheduling.FinishReason.Length, FinishReason.Length)]
    [InlineData(Scheduling.FinishReason.Stop, FinishReason.Stop)]
    public void ToProto_MapsFinishReasons(Scheduling.FinishReason domain, FinishReason proto) =>
        Assert.Equal(proto, GenerateResponseMapper.ToProto(domain));

    [Fact]
    public void ToProto_HasNoFinishReasonToSend_WhenTheSequenceWasCancelled()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GenerateResponseMapper.ToProto(Scheduling.FinishReason.Cancelled));
    }

    [Fact]
    public void ToFinalMessage_CarriesTheFinishReasonOnly()
    {
        var result = new Domain.GenerationResult([], Scheduling.FinishReason.Stop, 3);

        var final = GenerateResponseMapper.ToFinalMessage(result);

        Assert.Equal(FinishReason.Stop, final.FinishReason);
        Assert.Empty(final.Tokens);
    }

    [Fact]
    public void ToProto_ReportsTheDescriptorInTheModelInfo()
    {
        var model = new ModelDescriptor("kimi-tiny", 512, 1024, [2], DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

        var info = GenerateResponseMapper.ToProto(model);

        Assert.Equal("kimi-tiny", info.ModelId);
        Assert.Equal(512u, info.VocabSize);
        Assert.Equal(1024u, info.MaxPositionEmbeddings);
        Assert.Equal([2], info.EosTokenIds);
        Assert.Equal(1_700_000_000, info.Created);
    }
}
