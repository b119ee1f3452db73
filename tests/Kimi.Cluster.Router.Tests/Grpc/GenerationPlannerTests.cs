using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Grpc;
using Kimi.Cluster.Router.Text;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Tests.Grpc;

public sealed class GenerationPlannerTests
{
    private static readonly ServedModel Model = new(new ModelInfo { ModelId = "tiny", VocabSize = 512, MaxPositionEmbeddings = 64 }, ModelText.TokenIdsOnly);

    [Fact]
    public void Plan_FillsInTheDefaultsAndARequestId()
    {
        var request = new GenerateTextRequest { TokenIds = new TokenIdList { Ids = { 1, 2 } } };

        var plan = GenerationPlanner.Plan(request, Model);

        Assert.StartsWith("cmpl-", plan.RequestId, StringComparison.Ordinal);
        Assert.Equal(GenerationPlanner.DefaultMaxTokens, plan.Worker.MaxTokens);
        Assert.Equal(1f, plan.Worker.Sampling.Temperature);
        Assert.Equal(1f, plan.Worker.Sampling.TopP);
        Assert.Equal(-1, plan.Worker.Sampling.TopK);
        Assert.False(plan.Worker.Sampling.HasSeed);
        Assert.False(plan.ReturnLogprobs);
        Assert.Equal([1, 2], plan.Worker.PromptTokenIds);
    }

    [Fact]
    public void Plan_KeepsTheClientRequestIdAndParamsButNotTheStopStrings()
    {
        var request = new GenerateTextRequest
        {
            RequestId = "mine", TokenIds = new TokenIdList { Ids = { 3 } }, MaxTokens = 5, Logprobs = 0,
            Sampling = new GenerateSampling { Temperature = 0, Seed = 7 }, Stop = { "x" }, StopTokenIds = { 9 },
        };

        var plan = GenerationPlanner.Plan(request, Model);

        Assert.Equal("mine", plan.RequestId);
        Assert.Equal(5u, plan.Worker.MaxTokens);
        Assert.Equal(0f, plan.Worker.Sampling.Temperature);
        Assert.Equal(7ul, plan.Worker.Sampling.Seed);
        Assert.True(plan.ReturnLogprobs);
        Assert.Equal(["x"], plan.Stops);
        Assert.Equal([9], plan.Worker.StopTokenIds);
    }

    [Fact]
    public void Plan_FailsWithFailedPrecondition_WhenTheInputIsTextWithoutATokenizer()
    {
        var error = Assert.Throws<RpcException>(() => GenerationPlanner.Plan(new GenerateTextRequest { Text = "hi" }, Model));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public void Plan_FailsWithNotFound_WhenTheRequestNamesAnotherModel()
    {
        var request = new GenerateTextRequest { Model = "other", TokenIds = new TokenIdList { Ids = { 1 } } };

        Assert.Equal(StatusCode.NotFound, Assert.Throws<RpcException>(() => GenerationPlanner.Plan(request, Model)).StatusCode);
    }

    [Fact]
    public void Plan_FailsWithInvalidArgument_WhenAStopStringIsEmpty()
    {
        var request = new GenerateTextRequest { TokenIds = new TokenIdList { Ids = { 1 } }, Stop = { "" } };

        var error = Assert.Throws<RpcException>(() => GenerationPlanner.Plan(request, Model));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("stop:", error.Status.Detail, StringComparison.Ordinal);
    }
}
