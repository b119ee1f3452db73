using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

[Trait("Needs", "Processes")]
[Collection(ClusterCollection.Name)]
public sealed class ModelsAndHealthTests(RouterClusterFixture cluster)
{
    [Fact]
    public async Task Models_ListsTheTinyModel()
    {
        var (status, body) = await RouterApi.GetAsync(cluster.Http, "/v1/models");

        Assert.Equal(200, status);
        Assert.Equal("list", (string?)body["object"]);
        var model = Assert.Single(body["data"]!.AsArray())!;
        Assert.Equal("kimi-tiny", (string?)model["id"]);
        Assert.Equal("model", (string?)model["object"]);
        Assert.Equal("kimi-cluster", (string?)model["owned_by"]);
        Assert.True((long)model["created"]! > 0);
        Assert.True((int)model["max_model_len"]! > 0);
    }

    [Fact]
    public async Task Health_IsOk_WhenTheWorkerAnswers()
    {
        var (status, _) = await RouterApi.GetAsync(cluster.Http, "/health");

        Assert.Equal(200, status);
    }

    [Fact]
    public async Task UnknownRoute_IsAJson404()
    {
        var (status, body) = await RouterApi.GetAsync(cluster.Http, "/v1/nothing-here");

        RouterApi.AssertError(status, body, 404, null);
    }
}
