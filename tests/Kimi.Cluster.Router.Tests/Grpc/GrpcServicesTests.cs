using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.Grpc;

[Trait("Needs", "Processes")]
[Collection(ClusterCollection.Name)]
public sealed class GrpcServicesTests(RouterClusterFixture cluster)
{
    [Fact]
    public async Task ListModels_ReturnsTheServedModel()
    {
        var (_, http) = await RouterApi.GetAsync(cluster.Http, "/v1/models");

        var models = await new KimiGenerate.KimiGenerateClient(cluster.Grpc).ListModelsAsync(new ListModelsRequest());

        var model = Assert.Single(models.Models);
        Assert.Equal((string?)http["data"]![0]!["id"], model.Id);
        Assert.True(model.MaxContextLength > 0);
        Assert.True(model.VocabSize > 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("kimi.cluster.v1.KimiGenerate")]
    public async Task HealthCheck_SaysServing(string service)
    {
        var reply = await new Health.HealthClient(cluster.Grpc).CheckAsync(new HealthCheckRequest { Service = service });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task Reflection_ListsTheService()
    {
        using var call = new ServerReflection.ServerReflectionClient(cluster.Grpc).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();

        Assert.True(await call.ResponseStream.MoveNext());
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("kimi.cluster.v1.KimiGenerate", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task Abort_FindsNothing_WhenTheIdIsUnknown()
    {
        var reply = await new KimiGenerate.KimiGenerateClient(cluster.Grpc).AbortAsync(new AbortRequest { RequestId = "never-sent" });

        Assert.False(reply.Found);
    }
}
