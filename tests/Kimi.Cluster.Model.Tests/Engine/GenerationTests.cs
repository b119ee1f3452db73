using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Tests.Support;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.Model.Tests.Engine;

public sealed class GenerationTests
{
    private static readonly Lazy<LoadedModel> Tiny = new(() => LoadedModel.CreateBuiltInTiny());

    private static GenerationRequest Greedy(int[] prompt, int maxTokens = 8) =>
        new(prompt, new SamplingParams { Temperature = 0, MaxTokens = maxTokens, IgnoreEos = true });

    [Fact]
    public void Generate_GreedyIsDeterministic_AndHonoursMaxTokens()
    {
        var first = Tiny.Value.Generate([Greedy([5, 6, 7])])[0];
        var second = Tiny.Value.Generate([Greedy([5, 6, 7])])[0];
        Assert.Equal(8, first.Tokens.Count);
        Assert.Equal(FinishReason.Length, first.FinishReason);
        Assert.Equal(first.Tokens.Select(t => t.TokenId), second.Tokens.Select(t => t.TokenId));
    }
}
