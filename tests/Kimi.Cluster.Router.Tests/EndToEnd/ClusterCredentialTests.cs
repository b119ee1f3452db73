using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// An attention worker with a cluster credential serves only callers that present it: a direct
/// Generate without it is UNAUTHENTICATED, while a router given the credential serves completions
/// through it.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class ClusterCredentialTests
{
    [Fact]
    public async Task Generate_IsRefusedWithoutTheCredential_AndTheRouterWithItIsServed()
    {
        var credential = ClusterCredential.Generate();
        await using var worker = await AttentionWorkerProcess.StartAsync(credential, "--port", "0");

        var request = new GenerateRequest { MaxTokens = 2, IgnoreEos = true };
        request.PromptTokenIds.Add([1, 5, 9]);
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = worker.Client.Generate(request);
            while (await call.ResponseStream.MoveNext())
            {
            }
        });
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("cluster credential", refused.Status.Detail, StringComparison.Ordinal);

        await using var router = await InProcessRouter.StartAsync(
            new RouterHostOptions([worker.Address], "127.0.0.1", 0)
            {
                ClusterCredential = credential,
            });
        using var http = new HttpClient { BaseAddress = router.Addresses[0] };
        using var answer = await http.PostAsJsonAsync("/v1/completions", new JsonObject { ["prompt"] = new JsonArray(1, 5, 9), ["max_tokens"] = 2 });
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
    }
}
